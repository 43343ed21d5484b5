/**
 * Builds the example page (index.html and app.js) into `outputDirectory`.
 * @param outputDirectory where the page goes. @default dist/ beside build.mjs
 * @returns the output directory.
 */
export function buildWebExample(outputDirectory?: string): Promise<string>;
