// resource.Quantity for the validators: the parser is shared/kube/quantity.ts's; the real server's error wording.
export { parseQuantity } from "../../../shared/kube/quantity.ts";

/** The wording of resource.ErrFormatWrong, which the real server answers for a malformed quantity. */
export const QUANTITY_FORMAT_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
