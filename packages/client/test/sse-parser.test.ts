import { describe, expect, it } from 'vitest';
import { SseParser } from '../src/sse-parser.js';

/** Feeds `chunks` one after another and collects every event's data. */
function parse(...chunks: string[]): string[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

describe('Server-Sent-Events parser', () => {
  it('gives the data of each event, in order', () => {
    expect(parse('data: {"type":"open"}\n\ndata: {"type":"msg","seq":1}\n\n')).toEqual(['{"type":"open"}', '{"type":"msg","seq":1}']);
  });

  it('holds an event until its blank line, wherever the chunks are cut', () => {
    const text = 'data: {"type":"msg","seq":1,"data":"héllo"}\n\ndata: second\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      expect(parse(text.slice(0, cut), text.slice(cut))).toEqual(['{"type":"msg","seq":1,"data":"héllo"}', 'second']);
    }
    expect(parse(...text.split(''))).toEqual(['{"type":"msg","seq":1,"data":"héllo"}', 'second']);
    expect(parse('data: incomplete\n')).toEqual([]);
  });

  it('skips comments (the gateway heartbeat) and fields other than data', () => {
    expect(parse(':\n\n', ': keep-alive\n\n', 'event: x\nid: 7\nretry: 10\ndata: d\n\n', 'event: only\n\n')).toEqual(['d']);
  });

  it('accepts CRLF and CR line ends, including a CRLF cut between its two characters', () => {
    expect(parse('data: a\r\n\r\ndata: b\r\rdata: c\n\n')).toEqual(['a', 'b', 'c']);
    expect(parse('data: a\r', '\n\r', '\ndata: b\r\n\r\n')).toEqual(['a', 'b']);
  });

  it('joins several data lines with a newline and strips one space after the colon', () => {
    expect(parse('data: one\ndata:two\ndata:  three\n\n')).toEqual(['one\ntwo\n three']);
    expect(parse('data\n\n')).toEqual(['']);
  });
});
