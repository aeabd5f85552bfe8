// The end of an uploaded log, as the CLI's `build status` shows it: its last lines. A log read from an
// offset (an S3 suffix range) starts mid-line unless it starts at byte 0; that partial line is dropped.

export const FAILED_LOG_LINES = 20; // the CLI's FAILED_LOG_LINES
export const TAIL_BYTES = 64 * 1024; // enough for 20 lines of any build log; a large log is never read whole

export function tailLines(text: string, startsAtZero: boolean, count = FAILED_LOG_LINES): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop(); // the newline that ends the last line
  if (!startsAtZero && lines.length > 1) lines.shift();
  return lines.slice(-count);
}

// Whether a `Content-Range: bytes <first>-<last>/<size>` answer starts at the object's first byte.
export function startsAtZero(contentRange: string | undefined): boolean {
  return !contentRange || /^bytes 0-/.test(contentRange);
}
