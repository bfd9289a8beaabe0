import type { Config } from "../config.ts";
import { ID_PATTERN, ID_RULE, KEY_TEXT_FORBIDDEN, KEY_TEXT_RULE } from "../domain/ids.ts";
import type { FieldError, Result } from "../domain/result.ts";
import { normalizeProperty } from "./properties.ts";

/**
 * One catalogue item as validated at the edge. Fields left out of an upsert are left as
 * they are in the store; a given list replaces the stored one (an empty list clears it),
 * and an empty city clears the city.
 */
export interface ItemUpdate {
  itemId: string;
  /** Distinct by normalised form, in the order given. */
  properties?: string[];
  city?: string;
  attributes?: Record<string, number>;
}

/** What the store holds about an item. */
export interface CatalogItem {
  itemId: string;
  properties: string[];
  city: string | undefined;
  attributes: Record<string, number>;
}

export interface RawItemInput {
  itemId?: unknown;
  properties?: readonly unknown[] | null;
  city?: unknown;
  attributes?: readonly { name?: unknown; value?: unknown }[] | null;
}

export type ItemLimits = Pick<
  Config,
  "MAX_ID_LENGTH" | "MAX_STRING_LENGTH" | "MAX_ITEM_PROPERTIES" | "MAX_ITEM_ATTRIBUTES"
>;

const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
const MAX_ATTRIBUTE = 1e12;

/** Checks a catalogue text (property or city): non-empty after trimming unless `allowEmpty`. */
export function checkCatalogText(
  value: unknown,
  maxLength: number,
  allowEmpty: boolean,
): string | { error: string } {
  if (typeof value !== "string") return { error: "must be a string" };
  const v = value.trim();
  if (v.length === 0 && !allowEmpty) return { error: "must not be empty" };
  if (v.length > maxLength) return { error: `must be at most ${maxLength} characters` };
  // Properties and cities become part of Redis keys (`{p:<property>}`) and `|`-joined values.
  if (KEY_TEXT_FORBIDDEN.test(v)) return { error: KEY_TEXT_RULE };
  return v;
}

export function validateItem(
  raw: RawItemInput,
  limits: ItemLimits,
  path: string,
): Result<ItemUpdate> {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) =>
    errors.push({ field: `${path}.${field}`, message });

  let itemId: string | undefined;
  const id = raw.itemId;
  if (typeof id !== "string" || id.length === 0) fail("itemId", "is required");
  else if (id.length > limits.MAX_ID_LENGTH)
    fail("itemId", `must be at most ${limits.MAX_ID_LENGTH} characters`);
  else if (!ID_PATTERN.test(id)) fail("itemId", ID_RULE);
  else itemId = id;

  let properties: string[] | undefined;
  if (raw.properties !== undefined && raw.properties !== null) {
    if (!Array.isArray(raw.properties)) fail("properties", "must be a list of strings");
    else if (raw.properties.length > limits.MAX_ITEM_PROPERTIES)
      fail(
        "properties",
        `must hold at most ${limits.MAX_ITEM_PROPERTIES} entries (got ${raw.properties.length})`,
      );
    else {
      const seen = new Set<string>();
      const list: string[] = [];
      let ok = true;
      raw.properties.forEach((p, i) => {
        const v = checkCatalogText(p, limits.MAX_STRING_LENGTH, false);
        if (typeof v !== "string") {
          ok = false;
          fail(`properties[${i}]`, v.error);
          return;
        }
        const norm = normalizeProperty(v);
        if (seen.has(norm)) return;
        seen.add(norm);
        list.push(v);
      });
      if (ok) properties = list;
    }
  }

  let city: string | undefined;
  if (raw.city !== undefined && raw.city !== null) {
    const v = checkCatalogText(raw.city, limits.MAX_STRING_LENGTH, true);
    if (typeof v !== "string") fail("city", v.error);
    else city = v;
  }

  let attributes: Record<string, number> | undefined;
  if (raw.attributes !== undefined && raw.attributes !== null) {
    if (!Array.isArray(raw.attributes)) fail("attributes", "must be a list of {name, value}");
    else if (raw.attributes.length > limits.MAX_ITEM_ATTRIBUTES)
      fail(
        "attributes",
        `must hold at most ${limits.MAX_ITEM_ATTRIBUTES} entries (got ${raw.attributes.length})`,
      );
    else {
      const out: Record<string, number> = {};
      let ok = true;
      raw.attributes.forEach((a, i) => {
        const name = a?.name;
        const value = a?.value;
        if (typeof name !== "string" || !ATTRIBUTE_NAME.test(name)) {
          ok = false;
          fail(
            `attributes[${i}].name`,
            "must be 1-32 characters of A-Z a-z 0-9 _, starting with a letter",
          );
        } else if (Object.hasOwn(out, name)) {
          ok = false;
          fail(`attributes[${i}].name`, `duplicates attribute ${name}`);
        }
        if (
          typeof value !== "number" ||
          !Number.isFinite(value) ||
          Math.abs(value) > MAX_ATTRIBUTE
        ) {
          ok = false;
          fail(
            `attributes[${i}].value`,
            `must be a finite number between -${MAX_ATTRIBUTE} and ${MAX_ATTRIBUTE}`,
          );
        }
        if (ok && typeof name === "string" && typeof value === "number") out[name] = value;
      });
      if (ok) attributes = out;
    }
  }

  if (errors.length > 0 || itemId === undefined) return { ok: false, errors };
  const item: ItemUpdate = { itemId };
  if (properties !== undefined) item.properties = properties;
  if (city !== undefined) item.city = city;
  if (attributes !== undefined) item.attributes = attributes;
  return { ok: true, value: item };
}

/** Validates a batch: every item, and no item id twice. */
export function validateItems(
  raw: readonly RawItemInput[],
  limits: ItemLimits,
  path = "items",
): Result<ItemUpdate[]> {
  const errors: FieldError[] = [];
  const items: ItemUpdate[] = [];
  const seen = new Set<string>();
  raw.forEach((r, i) => {
    const checked = validateItem(r, limits, `${path}[${i}]`);
    if (!checked.ok) {
      errors.push(...checked.errors);
      return;
    }
    if (seen.has(checked.value.itemId))
      errors.push({
        field: `${path}[${i}].itemId`,
        message: `duplicates item ${checked.value.itemId}`,
      });
    seen.add(checked.value.itemId);
    items.push(checked.value);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: items };
}
