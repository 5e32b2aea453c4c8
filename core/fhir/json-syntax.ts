// Where malformed JSON goes wrong, in words a custodian can act on (line, column, what was expected).
// Only called after JSON.parse refused the text, whose own messages differ between engines and
// sometimes give no position at all.

export type JsonSyntaxFault = {
  /** Offset of the first character that cannot be right, in UTF-16 code units from the start. */
  position: number;
  line: number;
  column: number;
  expected: string;
};

const maxDepth = 512;

export function findJsonSyntaxFault(text: string): JsonSyntaxFault | null {
  let at = 0;

  const fail = (expected: string): never => {
    throw new SyntaxFault(at, expected);
  };
  const skipSpace = () => {
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at += 1;
      else break;
    }
  };
  const literal = (word: string) => {
    if (text.startsWith(word, at)) at += word.length;
    else fail(`"${word}"`);
  };
  const string = () => {
    at += 1; // opening quote
    for (;;) {
      if (at >= text.length) fail("a closing quote before the end of the text");
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        at += 1;
        return;
      }
      if (c < 0x20) fail("no line break or control character inside a string (write it as \\n)");
      if (c === 0x5c) {
        const next = text[at + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
            at += 2;
            fail("four hex digits after \\u");
          }
          at += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
          at += 2;
        } else {
          at += 1;
          fail('an escape: one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX');
        }
      } else {
        at += 1;
      }
    }
  };
  const number = () => {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(at, at + 400));
    if (!match || match[0] === "" || match[0] === "-")
      fail("a value (text, number, object, list, true, false or null)");
    at += (match as RegExpExecArray)[0].length;
  };
  const value = (depth: number): void => {
    if (depth > maxDepth) fail(`nesting no deeper than ${maxDepth} levels`);
    skipSpace();
    const c = text[at];
    if (c === "{") {
      at += 1;
      skipSpace();
      if (text[at] === "}") {
        at += 1;
        return;
      }
      for (;;) {
        skipSpace();
        if (text[at] !== '"') fail("a property name in double quotes");
        string();
        skipSpace();
        if (text[at] !== ":") fail("':' after the property name");
        at += 1;
        value(depth + 1);
        skipSpace();
        if (text[at] === ",") {
          at += 1;
          continue;
        }
        if (text[at] === "}") {
          at += 1;
          return;
        }
        fail("',' or '}' after a property value");
      }
    }
    if (c === "[") {
      at += 1;
      skipSpace();
      if (text[at] === "]") {
        at += 1;
        return;
      }
      for (;;) {
        value(depth + 1);
        skipSpace();
        if (text[at] === ",") {
          at += 1;
          continue;
        }
        if (text[at] === "]") {
          at += 1;
          return;
        }
        fail("',' or ']' after a list item");
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === undefined) fail("a value, but the text ended");
    number();
  };

  try {
    value(0);
    skipSpace();
    if (at < text.length) fail("nothing after the end of the JSON value");
    return null;
  } catch (error) {
    if (!(error instanceof SyntaxFault)) throw error;
    return {
      position: error.position,
      ...lineAndColumn(text, error.position),
      expected: error.expected,
    };
  }
}

class SyntaxFault extends Error {
  readonly position: number;
  readonly expected: string;

  constructor(position: number, expected: string) {
    super(expected);
    this.position = position;
    this.expected = expected;
  }
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i += 1) {
    if (text.charCodeAt(i) === 0x0a) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: position - lineStart + 1 };
}
