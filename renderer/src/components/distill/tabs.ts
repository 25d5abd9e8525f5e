import { defineAsyncComponent, type Component } from 'vue'

// The Distill page's tabs, one entry each (other capabilities append theirs here).
export interface DistillTab {
  id: string
  label: string
  component: Component
}

export const DISTILL_TABS: DistillTab[] = [
  { id: 'kd', label: 'Knowledge distillation', component: defineAsyncComponent(() => import('./KdTab.vue')) },
  { id: 'self', label: 'Self-distillation (kernel)', component: defineAsyncComponent(() => import('./SelfDistillTab.vue')) },
  { id: 'kip', label: 'Dataset distillation (KIP)', component: defineAsyncComponent(() => import('../kip/KipPanel.vue')) },
]
