import { validateItems } from "../../catalog/item.ts";
import type { FieldError } from "../../domain/result.ts";
import { checkId, checkLimit, throwIfAny } from "../args.ts";
import { builder } from "../builder.ts";
import { badInput } from "../errors.ts";
import { ScoredItemRef } from "../recommendations/list.ts";
import { ItemInput, ItemRef, RemoveItemsResultRef, UpsertItemsResultRef } from "./types.ts";

builder.mutationField("upsertItems", (t) =>
  t.field({
    type: UpsertItemsResultRef,
    description:
      "Adds items to the catalogue or updates them (at most MAX_BATCH_SIZE). All-or-nothing: one invalid item and nothing is written.",
    args: { items: t.arg({ type: [ItemInput], required: true }) },
    resolve: async (_root, { items }, { catalog, config }) => {
      if (items.length > config.MAX_BATCH_SIZE)
        throw badInput([
          {
            field: "items",
            message: `must hold at most ${config.MAX_BATCH_SIZE} items (got ${items.length})`,
          },
        ]);
      const checked = validateItems(items, config);
      if (!checked.ok) throw badInput(checked.errors);
      return catalog.upsert(checked.value);
    },
  }),
);

builder.mutationField("removeItems", (t) =>
  t.field({
    type: RemoveItemsResultRef,
    description:
      "Takes items out of the catalogue: their metadata, property and city index entries, and their places in the popularity rankings.",
    args: { itemIds: t.arg.idList({ required: true }) },
    resolve: async (_root, { itemIds }, { catalog, config }) => {
      const errors: FieldError[] = [];
      if (itemIds.length > config.MAX_BATCH_SIZE)
        errors.push({
          field: "itemIds",
          message: `must hold at most ${config.MAX_BATCH_SIZE} items`,
        });
      else
        itemIds.forEach((id, i) => {
          checkId(`itemIds[${i}]`, id, config, errors);
        });
      throwIfAny(errors);
      return { removed: await catalog.remove(itemIds) };
    },
  }),
);

builder.queryField("items", (t) =>
  t.field({
    type: [ItemRef],
    nullable: { list: false, items: true },
    description:
      "Catalogue metadata of items, in the order asked; null for an item not in the catalogue.",
    args: { itemIds: t.arg.idList({ required: true }) },
    resolve: async (_root, { itemIds }, { catalog, config }) => {
      const errors: FieldError[] = [];
      if (itemIds.length > config.MAX_CANDIDATES)
        errors.push({
          field: "itemIds",
          message: `must hold at most ${config.MAX_CANDIDATES} items`,
        });
      else
        itemIds.forEach((id, i) => {
          checkId(`itemIds[${i}]`, id, config, errors);
        });
      throwIfAny(errors);
      return (await catalog.get(itemIds)).map((i) => i ?? null);
    },
  }),
);

builder.queryField("similarItems", (t) =>
  t.field({
    type: [ScoredItemRef],
    description:
      "Items like this one: co-visitation score (touched in the same sessions) plus contentWeight times the estimated Jaccard similarity of their catalogue properties, so an item with no history yet still has neighbours.",
    args: {
      itemId: t.arg.id({ required: true }),
      limit: t.arg.int(),
      contentWeight: t.arg.float({
        defaultValue: 1,
        description: "Weight of property similarity (0 to 1000); 0 means co-visitation only.",
      }),
    },
    resolve: async (_root, args, { catalog, config }) => {
      const errors: FieldError[] = [];
      checkId("itemId", args.itemId, config, errors);
      checkLimit(args.limit, config, errors);
      const weight = args.contentWeight ?? 1;
      if (!Number.isFinite(weight) || weight < 0 || weight > 1000)
        errors.push({ field: "contentWeight", message: "must be between 0 and 1000" });
      throwIfAny(errors);
      return catalog.similar(args.itemId, args.limit ?? config.DEFAULT_LIMIT, weight);
    },
  }),
);
