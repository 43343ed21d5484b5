/** Import through which a metered module asks the sandbox for more gas. */
export const METERING_IMPORT = { module: "__relay_metering", name: "refill" } as const;

/** Export name of a metered module's gas counter. */
export const GAS_EXPORT = "__relay_gas";
