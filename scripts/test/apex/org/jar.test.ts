import { SObjectJar } from '../../../src/apex/org/jar';
import * as path from 'path';

const root = path.resolve(__dirname, '../../../..');

describe('apex-ls sobject-types jar', () => {
  const jarFile = SObjectJar.locate(root);
  const jar = new SObjectJar(jarFile as string);

  it('lists about 3,500 standard objects', () => {
    expect(jar.objectNames().size).toBeGreaterThan(3000);
    expect(jar.objectNames().get('userprovaccountstaging')).toBe('UserProvAccountStaging');
  });

  it('reads the fields of UserProvAccountStaging with Apex types and relationships', () => {
    const fields = jar.fields('UserProvAccountStaging') ?? [];
    const byName = new Map(fields.map((f) => [f.name, f]));
    expect(byName.get('Name')).toMatchObject({ type: 'String', pkg: 'System', array: false });
    expect(byName.get('SalesforceUserId')).toMatchObject({ type: 'Id', pkg: 'System' });
    expect(byName.get('SalesforceUser')).toMatchObject({ type: 'User', pkg: 'SObjects' });
    expect(byName.get('CreatedDate')).toMatchObject({ type: 'Datetime' });
  });

  it('reads child relationships as arrays', () => {
    const fields = jar.fields('User') ?? [];
    const psa = fields.find((f) => f.name === 'PermissionSetAssignments');
    expect(psa).toMatchObject({ type: 'PermissionSetAssignment', array: true });
  });

  it('answers undefined for an unknown object', () => {
    expect(jar.fields('NoSuchObject')).toBeUndefined();
  });
});
