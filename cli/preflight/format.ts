import type { CheckStatus, PreflightReport } from './preflight';

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skipped: '–' };

/** The report as an operator reads it. Holds no password or token (the report never does). */
export function formatPreflightText(report: PreflightReport): string {
  const lines: string[] = [];
  const device = report.device ? ` (${report.device.vendor} ${report.device.username}@${report.device.host}:${report.device.port})` : '';
  lines.push(`Preflight of ${report.secret}${device}`);
  for (const check of report.checks) lines.push(`  ${MARK[check.status]} ${check.name.padEnd(7)} ${check.summary}`);
  const cert = report.certificate;
  if (cert !== undefined) {
    lines.push('', 'Certificate presented:');
    lines.push(`  subject  ${cert.subject}`, `  issuer   ${cert.issuer}`, `  valid    ${cert.validFrom} to ${cert.validTo}`, `  SHA-256  ${cert.sha256}`);
    if (cert.suggestedTls !== undefined) lines.push('', 'tls block for the secret (after checking the fingerprint on the device):', `  "tls": ${JSON.stringify(cert.suggestedTls)}`);
  }
  if (report.rotation.length > 0) {
    lines.push('', 'A rotation would:');
    report.rotation.forEach((step, index) => lines.push(`  ${index + 1}. ${step}`));
  }
  lines.push('');
  if (report.ready) lines.push('Ready: nothing found that would stop a rotation (exit 0). Nothing was changed on the device.');
  else {
    lines.push(`Not ready (exit ${report.exitCode}): what would stop a rotation:`);
    for (const blocker of report.blockers) lines.push(`  - ${blocker}`);
    lines.push('Nothing was changed on the device.');
  }
  return lines.join('\n');
}

/** The report for scripts: the same facts, as JSON (`--format json`); the exit code is in it too. */
export function formatPreflightJson(report: PreflightReport): string {
  return JSON.stringify(report, null, 2);
}

export function formatPreflight(report: PreflightReport, format: 'text' | 'json'): string {
  return format === 'json' ? formatPreflightJson(report) : formatPreflightText(report);
}
