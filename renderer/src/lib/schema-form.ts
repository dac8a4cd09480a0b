/** How one argument is edited in the "try it" form. */
export type FieldKind = 'string' | 'enum' | 'number' | 'integer' | 'boolean' | 'json';

/** One top-level property of a tool's input schema, as a form field. */
export interface SchemaField {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string | null;
  /** Choices of an `enum` field. */
  options: string[];
  /** What the field starts with (the schema's default, as the input holds it). */
  initial: string | boolean;
}

/** What the inputs hold: text (or a number, from number inputs) for most fields, a boolean for checkboxes. */
export type FormValues = Record<string, string | number | boolean | null | undefined>;

interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  default?: unknown;
}

/**
 * The fields of a tool's input schema. Only an object schema with `properties` becomes fields;
 * anything else is edited as raw JSON (returns null).
 */
export function fieldsFromSchema(schema: unknown): SchemaField[] | null {
  const root = schema as { type?: unknown; properties?: Record<string, PropertySchema>; required?: unknown } | null;
  if (!root || typeof root !== 'object' || (root.type !== undefined && root.type !== 'object')) return null;
  const properties = root.properties ?? {};
  if (typeof properties !== 'object') return null;
  const required = new Set(Array.isArray(root.required) ? root.required.map(String) : []);
  return Object.entries(properties).map(([name, property]) => {
    const kind = kindOf(property ?? {});
    return {
      name,
      kind,
      required: required.has(name),
      description: typeof property?.description === 'string' ? property.description : null,
      options: kind === 'enum' ? (property.enum ?? []).map(String) : [],
      initial: initialOf(kind, property?.default),
    };
  });
}

function kindOf(property: PropertySchema): FieldKind {
  const type = Array.isArray(property.type) ? property.type.find((item) => item !== 'null') : property.type;
  if (Array.isArray(property.enum) && property.enum.every((item) => typeof item === 'string')) return 'enum';
  if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') return type;
  return 'json';
}

function initialOf(kind: FieldKind, fallback: unknown): string | boolean {
  if (kind === 'boolean') return fallback === true;
  if (fallback === undefined || fallback === null) return '';
  if (kind === 'json') return JSON.stringify(fallback, null, 2);
  return String(fallback);
}

/** Starting values of every field. */
export function initialValues(fields: SchemaField[]): FormValues {
  return Object.fromEntries(fields.map((field) => [field.name, field.initial]));
}

/**
 * Turns the form into call arguments. Empty optional fields are left out; a field that does
 * not parse gets an error message instead.
 */
export function buildArguments(
  fields: SchemaField[],
  values: FormValues,
): { ok: true; arguments: Record<string, unknown> } | { ok: false; errors: Record<string, string> } {
  const out: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    // An emptied number input holds null.
    const raw = values[field.name] ?? '';
    if (field.kind === 'boolean') {
      out[field.name] = raw === true;
      continue;
    }
    const text = String(raw);
    if (!text.trim()) {
      if (field.required) errors[field.name] = 'Required.';
      continue;
    }
    if (field.kind === 'number' || field.kind === 'integer') {
      const number = Number(text);
      if (!Number.isFinite(number)) errors[field.name] = 'Enter a number.';
      else if (field.kind === 'integer' && !Number.isInteger(number)) errors[field.name] = 'Enter a whole number.';
      else out[field.name] = number;
    } else if (field.kind === 'json') {
      try {
        out[field.name] = JSON.parse(text);
      } catch {
        errors[field.name] = 'Not valid JSON.';
      }
    } else {
      out[field.name] = text;
    }
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, arguments: out };
}
