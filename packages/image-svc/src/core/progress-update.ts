/** One line of progress as Docker clients draw it: per layer (`id`) or for the whole image. */
export interface ProgressUpdate {
  id: string;
  status: string;
  current?: number;
  total?: number;
  /** A message about the step, not the state of a layer (drawn without a bar). */
  plain?: boolean;
}
