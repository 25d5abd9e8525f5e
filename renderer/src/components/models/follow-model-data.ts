import { watch } from 'vue'
import type { DatasetSummary } from '../../../../shared/dataset'
import type { ModelSummary } from '../../../../shared/models'

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)

/**
 * The data a project model was trained on is the natural data to use it with (other features fail on their
 * shape only when the job runs). Chosen when no dataset is chosen or the chosen one does not fit the model's
 * input, and again each time the user picks another model; a fitting dataset chosen by hand stays.
 */
export function followModelData(model: () => ModelSummary | null, datasets: () => DatasetSummary[], dataset: { get(): string; set(id: string): void }): void {
  watch([() => model()?.id, () => datasets().length], ([id], [before]) => {
    const m = model()
    const own = m?.dataset?.id
    if (!m || !own || !datasets().some((d) => d.id === own)) return
    const chosen = datasets().find((d) => d.id === dataset.get())
    const fits = chosen !== undefined && size(chosen.xShape.slice(1)) === size(m.inputShape)
    if (!fits || (before !== undefined && before !== id)) dataset.set(own)
  })
}
