import type { CatalogItem } from "../../catalog/item.ts";
import { builder } from "../builder.ts";

export const AttributeInput = builder.inputType("AttributeInput", {
  description: "A named numeric attribute of an item, such as stars or rating.",
  fields: (t) => ({
    name: t.string({
      required: true,
      description: "1-32 characters of A-Z a-z 0-9 _, starting with a letter.",
    }),
    value: t.float({ required: true }),
  }),
});

export const ItemInput = builder.inputType("ItemInput", {
  description:
    "An item of the catalogue. A field left out keeps its stored value; a given list replaces the stored one (an empty list clears it); an empty city clears the city.",
  fields: (t) => ({
    itemId: t.id({ required: true }),
    properties: t.stringList({
      description:
        "Free-text properties (at most MAX_ITEM_PROPERTIES, each at most MAX_STRING_LENGTH characters, no '|', '{' or '}'). Matched case-insensitively.",
    }),
    city: t.string(),
    attributes: t.field({
      type: [AttributeInput],
      description:
        "Numeric attributes (at most MAX_ITEM_ATTRIBUTES). `stars` and `rating` feed the ranking model.",
    }),
  }),
});

export interface UpsertItemsShape {
  upserted: number;
  created: number;
}

export const UpsertItemsResultRef = builder
  .objectRef<UpsertItemsShape>("UpsertItemsResult")
  .implement({
    fields: (t) => ({
      upserted: t.exposeInt("upserted"),
      created: t.exposeInt("created", {
        description: "Items that were not in the catalogue before.",
      }),
    }),
  });

export const RemoveItemsResultRef = builder
  .objectRef<{ removed: number }>("RemoveItemsResult")
  .implement({
    fields: (t) => ({
      removed: t.exposeInt("removed", { description: "Items that were in the catalogue." }),
    }),
  });

export const AttributeRef = builder
  .objectRef<{ name: string; value: number }>("Attribute")
  .implement({
    fields: (t) => ({ name: t.exposeString("name"), value: t.exposeFloat("value") }),
  });

export const ItemRef = builder.objectRef<CatalogItem>("Item").implement({
  description: "An item's catalogue metadata.",
  fields: (t) => ({
    itemId: t.exposeID("itemId"),
    properties: t.exposeStringList("properties"),
    city: t.string({ nullable: true, resolve: (i) => i.city ?? null }),
    attributes: t.field({
      type: [AttributeRef],
      resolve: (i) => Object.entries(i.attributes).map(([name, value]) => ({ name, value })),
    }),
  }),
});
