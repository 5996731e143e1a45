/** The AWS console's host for a region's partition. */
function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return `${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return `${region}.console.amazonaws-us-gov.com`;
  return `${region}.console.aws.amazon.com`;
}

/** The Step Functions console page of one execution. */
export function executionConsoleUrl(region: string, executionArn: string): string {
  return `https://${consoleHost(region)}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** The Secrets Manager console page of one secret. */
export function secretConsoleUrl(region: string, secretName: string): string {
  return `https://${consoleHost(region)}/secretsmanager/secret?name=${encodeURIComponent(secretName)}&region=${region}`;
}

/** The CloudWatch console page of one dashboard (the stack output `DashboardUrl` is the same link). */
export function dashboardConsoleUrl(region: string, dashboardName: string): string {
  return `https://${consoleHost(region)}/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;
}

/** The Step Functions console page of one state machine (its executions). */
export function stateMachineConsoleUrl(region: string, stateMachineArn: string): string {
  return `https://${consoleHost(region)}/states/home?region=${region}#/statemachines/view/${stateMachineArn}`;
}
