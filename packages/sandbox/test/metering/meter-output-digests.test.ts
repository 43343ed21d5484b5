import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { loadPrograms } from "../../../../benchmarks/metering/programs.mjs";
import { meter } from "../../src/metering/meter.js";
import { METER_VERSION } from "../../src/metering/meter-version.js";

// Pins the rewriter's output byte for byte: the SHA-256 of every benchmark program, example
// module and sql.js metered under two option sets. A change of the metering itself must update
// these. Last updated by issue 14's metering overhead work: the counter is stored to the global
// only before instructions that can trap, call out or return; directly called functions get a
// by-value variant (counter as an extra parameter and result); straight-line blocks and ifs
// are charged with the block they start in.
const require = createRequire(import.meta.url);
const examples = new URL("../../../../examples/modules/dist/", import.meta.url);
const EXAMPLE_MODULES = ["busy", "calculator", "processor", "spin", "trap"];

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function subjects(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const programs = await loadPrograms();
  return [
    ...programs.map((program) => ({ name: `program ${program.name}`, bytes: program.bytes })),
    ...EXAMPLE_MODULES.map((name) => ({
      name: `example ${name}`,
      bytes: new Uint8Array(readFileSync(new URL(`${name}.wasm`, examples))),
    })),
    {
      name: "sql.js",
      bytes: new Uint8Array(readFileSync(require.resolve("sql.js/dist/sql-wasm.wasm"))),
    },
  ];
}

/** Digests of input, metered with defaults, metered as the sandbox's worker does. */
function digests(bytes: Uint8Array): { input: string; plain: string; refill: string } {
  return {
    input: sha256(bytes),
    plain: sha256(meter(bytes).bytes),
    refill: sha256(
      meter(bytes, {
        refillImport: { module: "__relay_metering", name: "refill" },
        gasExportName: "__relay_gas",
        initialGas: 12_345n,
        maxMemoryPages: 512,
      }).bytes,
    ),
  };
}

const EXPECTED: Record<string, { input: string; plain: string; refill: string }> = {
  "example busy": {
    input: "025728283360b920cc02191e0517a056d44403d2d95b7a8f221cce7b2b077c73",
    plain: "ccaad2b04aa7e1738041b2f5cb8c172234c2cdc035158a93e36e0708e99d6053",
    refill: "243f6a424f96f91f2a80d6599c3543cd6fc06795b3e49bf36908901da5c1c5db",
  },
  "example calculator": {
    input: "da7d2997c3eb0d121e8734851986d0a6cb26779c4748b59a726d741ca2270aa8",
    plain: "cad31b6f2f25d6238efb005a783fa86d9890f1202cbd4162807f61f1d2fff318",
    refill: "6520ebe1c36b5b393b9413b807916379753f7a0391d69617287b9eaf2fe83b73",
  },
  "example processor": {
    input: "6e1cb8c44cfb7fd6ddcc36041afa879fe68ed88ba7ec32326580cd589602847b",
    plain: "92a9b47d94769fabc72c0cc973fd99887ea9c5dfce00010cd64a18cf7cc0bb05",
    refill: "4865f4b642418abc17e2e5474b92ef2a8381eb4c56aee2ffd48bce75ad76961e",
  },
  "example spin": {
    input: "619c1b2813e6c036dc4a5ddebc6a8df0a69dde41eaffc985809e96f9203ef658",
    plain: "0dd6cb36830b58454ac48ad700e459fba4d8da6c20af8ae5128fe4e7e62c3566",
    refill: "2ff009ef262613f34a46bd317862a12abbeb7dc6f3deeec14dd33bad89ef1dd9",
  },
  "example trap": {
    input: "0145fe7c0f7ecf86e20632c588e9a91b7f7d5886691bd1c6fdf5272ee367f7b1",
    plain: "1c867864360f10a2347eaaa337e2edfcecec16cdac4a118e09113dab0dcff437",
    refill: "ac4dfc8787e282443b5458be9538af58923f550ff2f032ad1724810a06561e65",
  },
  "program crc32": {
    input: "74b43c0f4081a3e7774eeabe27788ddd2d0f006486ab460ef6ed6cce60a51f32",
    plain: "8cf4ee7d779885db107092ba85e07d4e59f857b8f86a5480cee4eca94b6ba1ca",
    refill: "b2b138a7a3f8999066695d35dfdc219f61b7f6b3ce511014ea7ae18968362f67",
  },
  "program fib": {
    input: "f71d7a38507812f21ae64a9a0ced72db49bfa8014f296e5c77f0ea4ae1129c0e",
    plain: "2e5978896857c8d7fa8c6a757e651a597a6ad1a16f88e3daf6e012140b923584",
    refill: "0f10f082bc63a7ea09e9c15bcb539a926deb6fc2f9598569e7da47ad3761c8f3",
  },
  "program matmul": {
    input: "600e533458a3a34f76ffeb7195ba6c2c07cfd4f97bee97c42da848e4bd7a597e",
    plain: "d342096af942682292cda72494799267bd85d582c838ea863d6cfbd4847a0cc7",
    refill: "bff8d913237203b71617154336242ac483fdb5a976b5a242eda675f14539e4ae",
  },
  "program nested-loops": {
    input: "2ce705e388dbf210bd4c44dd0057bf4960e140d006341fd31e9d392441d4488d",
    plain: "b1130ecf05a658c38284e01ec9677f42480b9ddf41d7dd1e1f4cbf0da7178d36",
    refill: "4dbfd429f8cd91a774113d83276bc185872ad8b882427b838077b28553dce4ea",
  },
  "program sha256 (AssemblyScript)": {
    input: "3e7e9e329a53b18d9e093112c0ae6db6a28b4d8bff0a04567d5874d7c673c6e0",
    plain: "5ecb11c494737a6f4c753ba59a3cc902095c53c5eb11c3a6725a65698341de20",
    refill: "6a1d18ac75f29916cbb9c411f010180e5a25c7ad6a08b7a26ae8dc37c4096476",
  },
  "program sieve": {
    input: "ff64d02bde0c9e4330383fadf99b86e048f1b7836b42be9e145024acaea03205",
    plain: "8d7122ae63eaf141fd755174fa30fc3a0c4ea3bbb63d84054f9f262761be2224",
    refill: "afcca7a8c97bfa6f4b579310adf2ce4ae7c263ba6670d2a52b0cadc2b3533dfd",
  },
  "sql.js": {
    input: "43bbcdd44287e5a2db3b6b5af34b1a3485a7a441285d247976c1ebe3c61f8dbf",
    plain: "4a2f17abfb1699c4a4ae564e53b1efee73e17238e8cbb85b816095a2608ec84f",
    refill: "af4e3cbb9bc861a3c41f4df9165e80520a4d046203f52dc964499000d93890be",
  },
};

describe("meter: output pinned byte for byte", () => {
  it("belongs to METER_VERSION 2: new digests below come with a new version (the result cache's scope)", () => {
    expect(METER_VERSION).toBe(2);
  });

  it("gives the recorded SHA-256 for every benchmark program, example module and sql.js", async () => {
    const actual: Record<string, { input: string; plain: string; refill: string }> = {
      "example busy": {
        input: "025728283360b920cc02191e0517a056d44403d2d95b7a8f221cce7b2b077c73",
        plain: "9969a86684e61fa525613298515d3e0e83e356c1ec667baaeb1e22c9c605b28b",
        refill: "8c2bc1d98353e1a61a1f6f113ee3f13248e291b4e18e7a79c39ed31fc1abe399",
      },
      "example calculator": {
        input: "da7d2997c3eb0d121e8734851986d0a6cb26779c4748b59a726d741ca2270aa8",
        plain: "a14ceff56cc9b13e5ecf9666f30a926c9be4bd7923a4e81dd26ef43b68f258df",
        refill: "f7e80469b2a0988a820591af80fddeaeded9381f425b0e8d3f33b0568ed8d983",
      },
      "example processor": {
        input: "6e1cb8c44cfb7fd6ddcc36041afa879fe68ed88ba7ec32326580cd589602847b",
        plain: "7204c22401b098d26ed2c1d9b3ddcc3266150819e1fd67cae3238cdb4822b5fb",
        refill: "03b0bc5890bb732c7700158496e678a63a939d71dcef71719466477fb86ebb3d",
      },
      "example spin": {
        input: "619c1b2813e6c036dc4a5ddebc6a8df0a69dde41eaffc985809e96f9203ef658",
        plain: "158e27caf92c6da94b154962bf450b9bb27ac9512b36045b84cb3df45c1b6c3b",
        refill: "e3ca494f6e8d887ddd7c188bfe506fce1cc8eea7614d08593c1fdf0e47571fc4",
      },
      "example trap": {
        input: "0145fe7c0f7ecf86e20632c588e9a91b7f7d5886691bd1c6fdf5272ee367f7b1",
        plain: "a260774212d8f9c639c107ac03485bbd5cda67c18e4852f5257c026e9d5bcaee",
        refill: "576a1a9dcf37f1f40c01e79f3a08dc560a9fb2750b469f1bd1f2f3de6a71fb10",
      },
      "program crc32": {
        input: "74b43c0f4081a3e7774eeabe27788ddd2d0f006486ab460ef6ed6cce60a51f32",
        plain: "5b3c4e357af9f63214951b573f8744d1274cecb137a65679a3ee32735752261a",
        refill: "3e5795513725cee40c89a34d6f81f6b75ebda014cd1efdcd08f10dd46c29b526",
      },
      "program fib": {
        input: "f71d7a38507812f21ae64a9a0ced72db49bfa8014f296e5c77f0ea4ae1129c0e",
        plain: "d2ade986b3f93f8ae7920a42ed0a6e6de5918433a298144e34e4adceb70ccbcd",
        refill: "ba10627e9ed6ae0b06e90674c4e4b3745f42f0ab1742e6aa16e74ac0799101d4",
      },
      "program matmul": {
        input: "600e533458a3a34f76ffeb7195ba6c2c07cfd4f97bee97c42da848e4bd7a597e",
        plain: "3786423c509e0852e0e13f93fd98b77fa4bc0c1d1b3826400e740ae8596bd342",
        refill: "d94cf758343d36ad13a1cf38a75bcf9b02c62738e85748e5b8b07b6bc6ef030c",
      },
      "program nested-loops": {
        input: "2ce705e388dbf210bd4c44dd0057bf4960e140d006341fd31e9d392441d4488d",
        plain: "6d39e26c14e2040f7bf0b2e5f8f5146314aa2d2e048cd3cf644d2a9837a1da1c",
        refill: "6ee356e83c3cc16f10ab619983e19ca83cb335efe47c4181f258cb3e482656c3",
      },
      "program sha256 (AssemblyScript)": {
        input: "3e7e9e329a53b18d9e093112c0ae6db6a28b4d8bff0a04567d5874d7c673c6e0",
        plain: "7e8345485ea3e96bbcf1defa705a2189fb0dbfa0d628ea537f9fbfc4e3e5a9f6",
        refill: "6c384a34ce9e6b5cd372841776213416770082f9b75f9816098285fff7da2597",
      },
      "program sieve": {
        input: "ff64d02bde0c9e4330383fadf99b86e048f1b7836b42be9e145024acaea03205",
        plain: "03c98cf68e9b083d51f54ed546ed2a0b6f779d994cf6e2be18030448efb0596c",
        refill: "16046c926bd38bd7c31bbf22a00eec44a7c610f3d9ec32718f9320e6448ee729",
      },
      "sql.js": {
        input: "43bbcdd44287e5a2db3b6b5af34b1a3485a7a441285d247976c1ebe3c61f8dbf",
        plain: "df5ea8a2361ab9199ef2e113974409fbe9b621e3bc86228b293381f4657ea0fb",
        refill: "6a10fcb020ce3f57e3a8f261b0089d0edf998a80cb96566e70dc0d9df59cddf7",
      },
    };
    for (const subject of await subjects()) actual[subject.name] = digests(subject.bytes);
    expect(Object.keys(actual).length).toBe(12);
    expect(actual).toEqual(EXPECTED);
  });
});
