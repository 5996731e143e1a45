import { captureOutput, captureOutputOf } from '../../local/capture-output';

describe('captureOutput', () => {
  test('captures stdout and stderr, strings and bytes, calls write callbacks, and restores the streams', () => {
    const writes = { out: process.stdout.write, err: process.stderr.write };
    const capture = captureOutput();
    let called = 0;
    process.stdout.write('one ');
    process.stderr.write(Buffer.from('two '), () => (called += 1));
    process.stdout.write('three', 'utf8', () => (called += 1));
    capture.restore();
    capture.restore(); // a second restore changes nothing
    expect(capture.text()).toBe('one two three');
    expect(capture.chunks).toEqual(['one ', 'two ', 'three']);
    expect(called).toBe(2);
    expect(process.stdout.write).toBe(writes.out);
    expect(process.stderr.write).toBe(writes.err);
  });

  test('captures only the streams asked for, into the array given; captures nest', () => {
    const into: string[] = [];
    const outer = captureOutput();
    const inner = captureOutput({ streams: ['stdout'], into });
    process.stdout.write('to inner');
    process.stderr.write('to outer');
    inner.restore();
    process.stdout.write(' and outer');
    outer.restore();
    expect(into).toEqual(['to inner']);
    expect(inner.chunks).toBe(into);
    expect(outer.text()).toBe('to outer and outer');
  });

  test('captureOutputOf gives the result or the error, with what was written, and restores the streams', async () => {
    const write = process.stdout.write;
    expect(await captureOutputOf(async () => (process.stdout.write('log line'), 42))).toEqual({ result: 42, error: undefined, output: 'log line' });
    const failure = new Error('refused');
    const failed = await captureOutputOf(async () => {
      process.stderr.write('about to fail');
      throw failure;
    });
    expect(failed).toEqual({ result: undefined, error: failure, output: 'about to fail' });
    expect(process.stdout.write).toBe(write);
  });
});
