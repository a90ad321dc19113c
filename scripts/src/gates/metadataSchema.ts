import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import {
  checkMetadataText,
  checkProjectRules,
  loadMetadataSchema,
  loadTypeIndex,
  MetadataDocument,
  metadataTypeOf
} from '../metadata/schemaCheck';
import { Finding, formatFinding, GateResult, listFiles, projectRootFromArgs, runMain } from './common';
import { packageDirectories } from './metadata';

const BUNDLE_TYPES = new Set(['LightningComponentBundle', 'AuraDefinitionBundle']);

/**
 * Checks every metadata XML file of every package directory in sfdx-project.json against the Metadata API schema
 * (unknown elements, missing required elements, wrong values, root element against suffix), then the deploy-time
 * rules that span files (field permissions on required fields, custom metadata and platform event field types,
 * Lightning page components).
 */
export function checkMetadataSchema(root: string): GateResult {
  const schema = loadMetadataSchema();
  const index = loadTypeIndex();
  const findings: Finding[] = [];
  const documents: MetadataDocument[] = [];
  let checked = 0;
  for (const dir of packageDirectories(root).filter((d) => existsSync(join(root, d)))) {
    for (const file of listFiles(join(root, dir), ['-meta.xml'])) {
      checked++;
      const type = metadataTypeOf(index, relative(join(root, dir), file));
      const result = checkMetadataText(schema, file, readFileSync(file, 'utf8'), type);
      findings.push(...result.findings);
      if (result.document) documents.push(result.document);
    }
  }
  const project = JSON.parse(readFileSync(join(root, 'sfdx-project.json'), 'utf8')) as { namespace?: string };
  const components = new Set(
    documents.filter((doc) => doc.type && BUNDLE_TYPES.has(doc.type)).map((doc) => basename(dirname(doc.file)))
  );
  findings.push(...checkProjectRules(documents, { components, namespace: project.namespace ?? '' }));
  return { gate: 'metadata-schema', checked, findings };
}

if (require.main === module) {
  runMain(async () => {
    const root = projectRootFromArgs(process.argv);
    const result = checkMetadataSchema(root);
    for (const finding of result.findings) console.log(formatFinding(root, finding));
    console.log(`${result.gate}: ${result.checked} files checked, ${result.findings.length} problems`);
    return result.findings.length === 0 ? 0 : 1;
  });
}
