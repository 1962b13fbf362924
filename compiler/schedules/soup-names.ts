/**
 * The names a soup program and its driver share (compiler/schedules/soup.ts,
 * runtime/schedules/soup*.ts): functions, state entries, inputs.
 *
 * State: the model's own parameter names hold the soup (what `predict` reads and a plain
 * checkpoint saves); `batch.<p>` the ingredients as they train, side by side ([G, …]);
 * `ingredients.<p>` each ingredient at its selected epoch ([G, …]: what every mix reads);
 * `soup.logits` and `soup.scale` what learned souping trains.
 */

export const SOUP_FUNCS = {
  /** One optimizer step of every ingredient at once (models side by side). */
  step: "ingredients.step",
  /** Every ingredient's predictions at once: [N, G·C]. */
  predict: "ingredients.predict",
  /** Copy the ingredients whose selection metric improved (input `improved`, 1 or 0 each) to `ingredients.<p>`. */
  keep: "ingredients.keep",
  /** The soup from given weights (input `weights` [tensors, G]). */
  mix: "mix",
  /** The soup from learned souping's logits (a softmax row per tensor). */
  mixLearned: "mix.learned",
  /** One SGD step of learned souping: the mixed forward on the graph bound, its CE on the rows of `mask`. */
  learn: "soup.step",
  /**
   * Learned souping with the ingredients streamed from the host (`offload`): the device holds
   * one ingredient at a time in `soup.slot.<p>`. `mix` adds the slot's ingredient to the soup
   * (input `pick`, its one-hot [G]; `first` 1 starts the sum); `step` takes the gradients of the
   * loss with respect to the soup's tensors (to `soup.grad.<p>`) and β's SGD step; `dot` writes
   * each tensor's gradient · the slot's ingredient to column `pick` of `soup.dots`; `logits`
   * takes the logits' SGD step from those dots. The soup builds up in `soup.mixed.<p>`; `out`
   * writes it to the model's names (what a sparsify pass projects, as it does `mix.learned`).
   */
  streamMix: "soup.stream.mix",
  streamStep: "soup.stream.step",
  streamDot: "soup.stream.dot",
  streamLogits: "soup.stream.logits",
  streamOut: "soup.stream.out",
} as const;

export const batchEntry = (param: string) => `batch.${param}`;
export const ingredientEntry = (param: string) => `ingredients.${param}`;
export const SOUP_LOGITS = "soup.logits";
export const SOUP_SCALE = "soup.scale";
export const slotEntry = (param: string) => `soup.slot.${param}`;
export const soupGradEntry = (param: string) => `soup.grad.${param}`;
export const mixedEntry = (param: string) => `soup.mixed.${param}`;
export const SOUP_DOTS = "soup.dots";
export const PICK_INPUT = "pick";
export const FIRST_INPUT = "first";

export const IMPROVED_INPUT = "improved";
export const WEIGHTS_INPUT = "weights";

export const SOUP_METHODS = ["uniform", "greedy", "learned", "partition"] as const;
/** Which learned soups stream their ingredients from the host (`offload`). */
export const OFFLOAD_CHOICES = ["none", "partition", "all"] as const;
export type OffloadChoice = (typeof OFFLOAD_CHOICES)[number];
export type SoupMethod = (typeof SOUP_METHODS)[number];
