/**
 * Preflight: checks a device secret and its device before the first rotation, changing nothing on the device
 * (README "Adding a device"). The operator CLI's `preflight` command is a thin shell around `runPreflight` and
 * `formatPreflight`; its exit code is the report's.
 */
export { type CheckStatus, type PreflightCheck, type PreflightInput, type PreflightReport, type PreflightSource, runPreflight, PREFLIGHT_SPENDER } from './preflight';
export { formatPreflight, formatPreflightJson, formatPreflightText } from './format';
export type { CertificateFacts } from './certificate';
export { startLocalPreflightDevice, type LocalPreflightDevice } from './local';
