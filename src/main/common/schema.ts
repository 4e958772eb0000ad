/**
 * A tiny runtime schema library for validating API arguments at the transport boundary
 * (IPC and loopback HTTP). Each schema both checks a value and carries its static type.
 */
export class ArgError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(path ? `${path}: ${message}` : message);
    this.path = path;
    this.name = 'ArgError';
  }
}

export interface Schema<T> {
  readonly kind: string;
  parse(value: unknown, path?: string): T;
}
export type Infer<S> = S extends Schema<infer T> ? T : never;
type OptionalKeys<F> = { [K in keyof F]: undefined extends Infer<F[K]> ? K : never }[keyof F];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** Object output: fields whose schema accepts undefined become optional properties. */
export type ObjectOf<F> = Simplify<{ [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> }>;

function make<T>(kind: string, parse: (v: unknown, path: string) => T): Schema<T> {
  return { kind, parse: (v, path = '') => parse(v, path) };
}

export const s = {
  string(opts: { min?: number; max?: number; pattern?: RegExp } = {}): Schema<string> {
    const max = opts.max ?? 10_000;
    return make('string', (v, p) => {
      if (typeof v !== 'string') throw new ArgError(p, 'expected a string');
      if (v.length < (opts.min ?? 0)) throw new ArgError(p, `shorter than ${opts.min}`);
      if (v.length > max) throw new ArgError(p, `longer than ${max}`);
      if (opts.pattern && !opts.pattern.test(v)) throw new ArgError(p, `does not match ${opts.pattern}`);
      return v;
    });
  },
  int(opts: { min?: number; max?: number } = {}): Schema<number> {
    return make('int', (v, p) => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ArgError(p, 'expected an integer');
      if (opts.min !== undefined && v < opts.min) throw new ArgError(p, `must be >= ${opts.min}`);
      if (opts.max !== undefined && v > opts.max) throw new ArgError(p, `must be <= ${opts.max}`);
      return v;
    });
  },
  number(opts: { min?: number; max?: number } = {}): Schema<number> {
    return make('number', (v, p) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgError(p, 'expected a number');
      if (opts.min !== undefined && v < opts.min) throw new ArgError(p, `must be >= ${opts.min}`);
      if (opts.max !== undefined && v > opts.max) throw new ArgError(p, `must be <= ${opts.max}`);
      return v;
    });
  },
  boolean(): Schema<boolean> {
    return make('boolean', (v, p) => {
      if (typeof v !== 'boolean') throw new ArgError(p, 'expected a boolean');
      return v;
    });
  },
  literal<const L extends string>(...values: L[]): Schema<L> {
    return make('enum', (v, p) => {
      if (typeof v !== 'string' || !(values as string[]).includes(v)) throw new ArgError(p, `expected one of ${values.join(', ')}`);
      return v as L;
    });
  },
  optional<T>(inner: Schema<T>): Schema<T | undefined> {
    return make('optional', (v, p) => (v === undefined || v === null ? undefined : inner.parse(v, p)));
  },
  array<T>(inner: Schema<T>, opts: { max?: number } = {}): Schema<T[]> {
    return make('array', (v, p) => {
      if (!Array.isArray(v)) throw new ArgError(p, 'expected an array');
      if (opts.max !== undefined && v.length > opts.max) throw new ArgError(p, `more than ${opts.max} items`);
      return v.map((x, i) => inner.parse(x, `${p}[${i}]`));
    });
  },
  record<T>(inner: Schema<T>): Schema<Record<string, T>> {
    return make('record', (v, p) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ArgError(p, 'expected an object');
      const out: Record<string, T> = Object.create(null);
      for (const [k, x] of Object.entries(v)) out[k] = inner.parse(x, p ? `${p}.${k}` : k);
      return out;
    });
  },
  object<F extends Record<string, Schema<unknown>>>(fields: F): Schema<ObjectOf<F>> {
    return make('object', (v, p) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ArgError(p, 'expected an object');
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) if (!(k in fields)) throw new ArgError(p ? `${p}.${k}` : k, 'unknown field');
      const out: Record<string, unknown> = {};
      for (const [k, schema] of Object.entries(fields)) {
        const val = schema.parse(o[k], p ? `${p}.${k}` : k);
        if (val !== undefined) out[k] = val;
      }
      return out as ObjectOf<F>;
    });
  },
  void(): Schema<void> {
    return make('void', (v, p) => {
      if (v !== undefined && v !== null && !(typeof v === 'object' && Object.keys(v as object).length === 0)) {
        throw new ArgError(p, 'expected no arguments');
      }
      return undefined;
    });
  },
};
