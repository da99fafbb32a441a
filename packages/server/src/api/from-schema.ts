/**
 * The TypeScript type a JSON schema describes, for the subset the API's response schemas use (object with
 * properties, required and additionalProperties; array; string, integer, number, boolean, null; enum; const;
 * type lists; oneOf). Response schemas are written `as const` and their types derived here, so the schema that
 * documents an answer (OpenAPI) and the type the handler must return and the web UI reads are one text; the
 * API's contract test then checks real answers against the same schemas at run time. (json-schema-to-ts does
 * this in full; the subset is a few lines, so no dependency.)
 */

type Primitive<T> = T extends 'string'
  ? string
  : T extends 'integer' | 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'null'
        ? null
        : T extends 'array'
          ? unknown[]
          : T extends 'object'
            ? Record<string, unknown>
            : unknown;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ObjectOf<S> = S extends { properties: infer P }
  ? Simplify<
      {
        -readonly [K in keyof P as K extends RequiredOf<S> ? K : never]: FromSchema<P[K]>;
      } & {
        -readonly [K in keyof P as K extends RequiredOf<S> ? never : K]?: FromSchema<P[K]>;
      } & (S extends { additionalProperties: false }
          ? unknown
          : S extends { additionalProperties: infer A extends object }
            ? Record<string, FromSchema<A>>
            : unknown)
    >
  : S extends { additionalProperties: infer A extends object }
    ? Record<string, FromSchema<A>>
    : Record<string, unknown>;

type RequiredOf<S> = S extends { required: readonly (infer R)[] } ? R : never;

export type FromSchema<S> = S extends { const: infer C }
  ? C
  : S extends { enum: readonly (infer E)[] }
    ? E
    : S extends { oneOf: readonly (infer O)[] }
      ? O extends unknown
        ? FromSchema<O>
        : never
      : S extends { type: readonly (infer T)[] }
        ? T extends unknown
          ? FromSchema<Omit<S, 'type'> & { type: T }>
          : never
        : S extends { type: 'object' }
          ? ObjectOf<S>
          : S extends { type: 'array'; items: infer I }
            ? FromSchema<I>[]
            : S extends { type: infer T }
              ? Primitive<T>
              : unknown;
