/** A minimal XML reader for source-format metadata files (elements, attributes, text; no DTDs). */
import { xmlUnescape } from '../../org/xml';

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

export function parseXml(src: string): XmlNode {
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const re =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src))) {
    const top = stack[stack.length - 1];
    if (m[1] !== undefined) top.text += m[1];
    else if (m[3]) {
      if (m[2]) {
        if (top.name !== m[3]) throw new Error(`xml: </${m[3]}> closes <${top.name}>`);
        stack.pop();
        continue;
      }
      const attrs: Record<string, string> = {};
      const ar = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
      let a: RegExpExecArray | null;
      while ((a = ar.exec(m[4] ?? ''))) attrs[a[1]] = xmlUnescape(a[2] ?? a[3] ?? '');
      const node: XmlNode = { name: m[3], attrs, children: [], text: '' };
      top.children.push(node);
      if (!m[5]) stack.push(node);
    } else if (m[6] !== undefined) top.text += xmlUnescape(m[6]);
  }
  if (stack.length !== 1) throw new Error(`xml: <${stack[stack.length - 1].name}> not closed`);
  return root;
}

export const child = (n: XmlNode | undefined, name: string): XmlNode | undefined =>
  n?.children.find((c) => c.name === name);
export const childrenNamed = (n: XmlNode | undefined, name: string): XmlNode[] =>
  n ? n.children.filter((c) => c.name === name) : [];
export const textOf = (n: XmlNode | undefined, name: string): string | undefined => {
  const c = child(n, name);
  return c ? c.text.trim() : undefined;
};
