/**
 * Streaming splitter for a JSON file holding events: a top-level array `[e1, e2, ...]` or an object
 * with an `events` array (`{"events": [...], ...}`). Emits the text of each element without
 * parsing it, so a 2 GB file never sits in memory and each element is validated on its own.
 */
export class JsonShapeError extends Error {}

export interface JsonSplitter {
  push(text: string): void;
  end(): void;
}

const WS = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

export function createJsonEventSplitter(onElement: (text: string, index: number) => void): JsonSplitter {
  // mode: 'start' before the first token, 'array' inside the events array, 'object' at depth 1 of
  // the wrapper object, 'skip' skipping a non-events value, 'done' after the container closed
  let mode: 'start' | 'array' | 'object' | 'skip' | 'done' = 'start';
  let first = true;
  let depth = 0; // nesting inside the current element or skipped value
  let inString = false;
  let escape = false;
  let carry = '';
  let elemStart = -1; // index in the current chunk where the current element started (-1: in carry or none)
  let inElement = false;
  let index = 0;
  /** object mode: parse state of key/value pairs */
  let objState: 'key' | 'colon' | 'value' | 'comma' = 'key';
  let key = '';
  let keyCollect = false;
  let sawEvents = false;
  let wrapper = false;
  /** array mode: expecting an element (true) or a comma/close (false) */
  let expectElem = true;
  let arrayEmptyOk = true;

  function finishElement(text: string): void {
    const t = text.trim();
    if (t === '') throw new JsonShapeError('empty element in the events array');
    onElement(t, index++);
  }

  function push(chunk: string): void {
    let s = chunk;
    if (first) {
      first = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    const n = s.length;
    elemStart = inElement ? 0 : -1;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (inString) {
        if (escape) escape = false;
        else if (c === 92) escape = true;
        else if (c === 34) {
          inString = false;
          if (keyCollect) {
            keyCollect = false;
            objState = 'colon';
          }
        } else if (keyCollect) key += s[i];
        continue;
      }
      switch (mode) {
        case 'start':
          if (WS(c)) continue;
          if (c === 91) {
            mode = 'array';
            expectElem = true;
            arrayEmptyOk = true;
          } else if (c === 123) {
            mode = 'object';
            wrapper = true;
            objState = 'key';
          } else throw new JsonShapeError('expected a JSON array of events or an object with an "events" array');
          continue;
        case 'array':
          if (inElement) {
            if (c === 34) inString = true;
            else if (c === 123 || c === 91) depth++;
            else if (c === 125 || c === 93) {
              if (depth === 0) {
                if (c !== 93) throw new JsonShapeError('unbalanced "}" in the events array');
                finishElement(carry + s.slice(elemStart, i));
                carry = '';
                inElement = false;
                mode = wrapper ? 'object' : 'done';
                objState = 'comma';
                continue;
              }
              depth--;
            } else if (c === 44 && depth === 0) {
              finishElement(carry + s.slice(elemStart, i));
              carry = '';
              inElement = false;
              expectElem = true;
              arrayEmptyOk = false;
            }
            continue;
          }
          if (WS(c)) continue;
          if (c === 93) {
            if (expectElem && !arrayEmptyOk) throw new JsonShapeError('trailing comma in the events array');
            mode = wrapper ? 'object' : 'done';
            objState = 'comma';
            continue;
          }
          if (c === 44) throw new JsonShapeError('unexpected comma in the events array');
          if (!expectElem) throw new JsonShapeError('expected "," between events');
          inElement = true;
          expectElem = false;
          elemStart = i;
          carry = '';
          // depth counts open containers of the element; a scalar element ends at ',' or ']'
          depth = c === 123 || c === 91 ? 1 : 0;
          if (c === 34) inString = true;
          continue;
        case 'object':
          if (WS(c)) continue;
          if (objState === 'key') {
            if (c === 125) {
              mode = 'done';
              continue;
            }
            if (c !== 34) throw new JsonShapeError('expected a key in the top-level object');
            inString = true;
            keyCollect = true;
            key = '';
            continue;
          }
          if (objState === 'colon') {
            if (c !== 58) throw new JsonShapeError('expected ":" in the top-level object');
            objState = 'value';
            continue;
          }
          if (objState === 'value') {
            if (key === 'events') {
              if (c !== 91) throw new JsonShapeError('"events" must be an array');
              sawEvents = true;
              mode = 'array';
              expectElem = true;
              arrayEmptyOk = true;
              continue;
            }
            mode = 'skip';
            depth = 0;
            i--; // re-read this char in skip mode
            continue;
          }
          // comma state
          if (c === 44) objState = 'key';
          else if (c === 125) mode = 'done';
          else throw new JsonShapeError('expected "," or "}" in the top-level object');
          continue;
        case 'skip':
          if (c === 34) inString = true;
          else if (c === 123 || c === 91) depth++;
          else if (c === 125 || c === 93) {
            if (depth === 0) {
              mode = 'object';
              objState = 'comma';
              i--;
              continue;
            }
            depth--;
          } else if (c === 44 && depth === 0) {
            mode = 'object';
            objState = 'key';
          }
          continue;
        case 'done':
          if (!WS(c)) throw new JsonShapeError('unexpected content after the end of the JSON document');
          continue;
      }
    }
    if (inElement) carry += s.slice(elemStart < 0 ? 0 : elemStart);
  }

  return {
    push,
    end() {
      if (mode === 'start') throw new JsonShapeError('empty file');
      if (mode !== 'done') throw new JsonShapeError('unexpected end of file inside the JSON document');
      if (wrapper && !sawEvents) throw new JsonShapeError('the object has no "events" array');
    },
  };
}
