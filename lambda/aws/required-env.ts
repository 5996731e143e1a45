/** A required setting from the function's environment, with an error that says which. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`the function's environment lacks ${name} (set by the CDK construct)`);
  return value;
}
