/**
 * Streaming RFC 4180 CSV parser: quoted fields with "" escapes and embedded newlines, CRLF or LF
 * line ends, a UTF-8 BOM at the start. Feed text chunks with push(); records are emitted with the
 * raw record text (for quarantine) and the 1-based physical line the record starts on.
 */
export interface CsvRecord {
  fields: string[];
  /** the record as it appeared in the file, without its line terminator */
  raw: string;
  /** 1-based line number where the record starts */
  line: number;
}

export class CsvError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`${message} (line ${line})`);
    this.line = line;
  }
}

export interface CsvParser {
  push(text: string): void;
  end(): void;
}

export function createCsvParser(onRecord: (r: CsvRecord) => void): CsvParser {
  let first = true;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  /** just closed a quoted section; next must be ',', '"' (escaped quote) or a line end */
  let afterQuote = false;
  let fieldStarted = false;
  let line = 1;
  let recordLine = 1;
  let rawCarry = '';
  let pendingCR = false;

  const endField = (): void => {
    fields.push(field);
    field = '';
    afterQuote = false;
    fieldStarted = false;
  };
  const endRecord = (raw: string): void => {
    endField();
    // skip blank lines (a record with one empty unquoted field)
    if (!(fields.length === 1 && fields[0] === '' && raw === '')) onRecord({ fields, raw, line: recordLine });
    fields = [];
  };

  function push(chunk: string): void {
    let text = chunk;
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let recStart = 0;
    const n = text.length;
    let i = 0;
    if (pendingCR) {
      pendingCR = false;
      if (n > 0 && text.charCodeAt(0) === 10) {
        i = 1;
        recStart = 1;
      }
    }
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (inQuotes) {
        if (c === 34) {
          inQuotes = false;
          afterQuote = true;
        } else {
          // the run up to the next quote at once (counting the line breaks inside it)
          let j = text.indexOf('"', i);
          if (j === -1) j = n;
          for (let k = i; k < j; k++) if (text.charCodeAt(k) === 10) line++;
          field += text.slice(i, j);
          i = j - 1;
        }
        continue;
      }
      if (afterQuote) {
        if (c === 34) {
          // "" inside a quoted field
          field += '"';
          inQuotes = true;
          afterQuote = false;
          continue;
        }
        if (c !== 44 && c !== 10 && c !== 13) throw new CsvError('unexpected character after a closing quote', line);
      }
      if (c === 44) {
        endField();
      } else if (c === 10 || c === 13) {
        const raw = rawCarry + text.slice(recStart, i);
        rawCarry = '';
        endRecord(raw);
        if (c === 13) {
          if (i + 1 < n) {
            if (text.charCodeAt(i + 1) === 10) i++;
          } else pendingCR = true;
        }
        line++;
        recordLine = line;
        recStart = i + 1;
      } else if (c === 34) {
        if (fieldStarted) throw new CsvError('a quote inside an unquoted field', line);
        inQuotes = true;
        fieldStarted = true;
      } else {
        fieldStarted = true;
        // the run of ordinary characters at once
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === 44 || d === 10 || d === 13 || d === 34) break;
          j++;
        }
        field += text.slice(i, j);
        i = j - 1;
      }
    }
    rawCarry += text.slice(recStart);
  }

  return {
    push,
    end() {
      if (inQuotes) throw new CsvError('unterminated quoted field', recordLine);
      if (rawCarry !== '' || fields.length > 0 || field !== '' || fieldStarted) endRecord(rawCarry);
      rawCarry = '';
    },
  };
}
