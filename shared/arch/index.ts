// The architecture vocabulary: activations, defaults, the FC architecture, ARCH.json layers, their
// infinite-width reading and presets. Everything that names an activation, a layer or a σ default derives
// from here (forms, CLI flags, the engine's layer modules).
export * from './activation-names'
export * from './activations'
export * from './defaults'
export * from './fc'
export * from './layers'
export * from './kernel-plan'
export * from './presets'
export * from './kernel-arch'
export * from './kernel-cost'
export * from './kip-plan'
