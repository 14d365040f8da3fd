/**
 * Incremental parser of a Server-Sent-Events body (the HTML standard's "event stream" syntax), for the
 * stream link: text goes in as it arrives, in chunks cut anywhere, and the `data` of each complete event
 * comes out. Only `data` matters here (the gateway sends one `data:` line per frame); `event`, `id`,
 * `retry` and comments (the gateway's heartbeat `:`) are read and skipped.
 */
export class SseParser {
  /** Text after the last line break, waiting for the rest of its line. */
  private partial = '';
  /** The current event's data lines, joined with "\n" as the standard says. */
  private data: string[] = [];
  /** A chunk ended on "\r": a "\n" starting the next chunk belongs to the same line break. */
  private afterCarriageReturn = false;

  /** Feeds the next piece of the body; returns the data of every event it completed, in order. */
  push(chunk: string): string[] {
    let text = chunk;
    if (this.afterCarriageReturn && text.startsWith('\n')) text = text.slice(1);
    this.afterCarriageReturn = text.endsWith('\r');
    const lines = (this.partial + text).split(/\r\n|\r|\n/);
    this.partial = lines.pop() ?? '';
    const events: string[] = [];
    for (const line of lines) {
      const event = this.line(line);
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  private line(line: string): string | undefined {
    if (line === '') {
      // A blank line ends the event; one without data (only comments) dispatches nothing.
      if (this.data.length === 0) return undefined;
      const event = this.data.join('\n');
      this.data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    return undefined;
  }
}
