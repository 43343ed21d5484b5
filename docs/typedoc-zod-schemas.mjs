// TypeDoc plugin (typedoc.json "plugin"): a zod schema's TypeScript type spells its whole shape
// out as nested object types (`z.ZodEnum<{ timeout: "timeout"; … }>`) whose members are not
// declarations anyone can document. They are dropped from the exported `…Schema` / `…Shape`
// variables, so that `requiredToBeDocumented: ["Property"]` checks the properties of interfaces
// and type aliases, which are documented where they are declared (the schemas' inferred types).
import { Converter, makeRecursiveVisitor, ReflectionKind } from "typedoc";

const ZOD_VARIABLE = /(Schema|Shape)$/;

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const { project } = context;
    for (const variable of project.getReflectionsByKind(ReflectionKind.Variable)) {
      if (!ZOD_VARIABLE.test(variable.name) || !variable.type) continue;
      const nested = [];
      variable.type.visit(
        makeRecursiveVisitor({
          reflection(type) {
            nested.push(type.declaration);
          },
        }),
      );
      for (const declaration of nested) {
        for (const child of [...(declaration.children ?? [])]) project.removeReflection(child);
      }
    }
  });
}
