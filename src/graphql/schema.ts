import { builder } from "./builder.ts";
import "./scalars.ts";
// One module per domain, as in Pothos' complex-app example: each adds its types and fields.
import "./events/fields.ts";
import "./recommendations/fields.ts";
import "./catalog/fields.ts";
import "./access/fields.ts";

export const schema = builder.toSchema({ sortSchema: false });
