/**
 * Platform services: Http callouts (with the test-time rules the platform enforces), EventBus, Messaging email,
 * the Process.Plugin family and the UserProvisioning namespace, and the Metadata namespace's deploy types.
 *
 * Callout rules (Apex Developer Guide, "Callout Limits and Limitations" and "Testing HTTP Callouts"):
 *  - a test method cannot call out: without Test.setMock the callout fails with System.CalloutException
 *    "Methods defined as TestMethod do not support Web service callouts";
 *  - a callout after DML in the same transaction fails: "You have uncommitted work pending. Please commit or
 *    rollback before calling out";
 *  - at most 100 callouts per transaction.
 * Metadata.Operations.enqueueDeployment/retrieve are refused in tests ("Don't actually deploy in tests": the
 * platform's behaviour there is not documented), loudly, as unsupported.
 */
import { NativeClass, NativeRegistry, Runtime, UnsupportedError } from '../../runtime';
import {
  ApexBlob,
  ApexEnumValue,
  ApexList,
  ApexMap,
  ApexObject,
  ApexSObject,
  NativeObject,
  typeRef,
  Value
} from '../../values';

type Fns = Record<string, (rt: Runtime, args: Value[], self: Value) => Value>;
const lower = (t: Fns): Fns => Object.fromEntries(Object.entries(t).map(([k, v]) => [k.toLowerCase(), v]));
const data = (self: Value): Record<string, unknown> => (self as NativeObject).data;
const text = (rt: Runtime, v: Value): string => (v === null ? '' : rt.stringify(v));

// ---------------------------------------------------------------- HTTP

/** The state of an HttpRequest / HttpResponse (the callout bridge fills a response). */
export interface HttpData {
  endpoint: string | null;
  method: string | null;
  headers: Map<string, [string, string]>;
  body: string | null;
  timeout: number;
  status?: string | null;
  statusCode?: number;
}

const newHttp = (typeName: string): NativeObject =>
  new NativeObject(typeName, {
    endpoint: null,
    method: null,
    headers: new Map(),
    body: null,
    timeout: 10000,
    status: null,
    statusCode: 0
  } satisfies HttpData);
const http = (self: Value): HttpData => data(self) as unknown as HttpData;

const headerFns: Fns = {
  setHeader: (rt, [k, v], self) => {
    if (k === null) rt.throwApex('System.NullPointerException', 'Argument cannot be null.');
    http(self).headers.set(text(rt, k).toLowerCase(), [text(rt, k), text(rt, v)]);
    return null;
  },
  getHeader: (rt, [k], self) => http(self).headers.get(text(rt, k).toLowerCase())?.[1] ?? null,
  setBody: (rt, [b], self) => {
    http(self).body = b === null ? null : text(rt, b);
    return null;
  },
  getBody: (_rt, _a, self) => http(self).body ?? '',
  setBodyAsBlob: (_rt, [b], self) => {
    http(self).body = b instanceof ApexBlob ? b.bytes.toString('utf8') : null;
    return null;
  },
  getBodyAsBlob: (_rt, _a, self) => new ApexBlob(Buffer.from(http(self).body ?? '', 'utf8')),
  toString: (_rt: Runtime, _a: Value[], self: Value) => {
    const d = http(self);
    return d.statusCode !== undefined && (self as NativeObject).typeName === 'HttpResponse'
      ? `System.HttpResponse[Status=${d.status ?? ''}, StatusCode=${d.statusCode}]`
      : `System.HttpRequest[Endpoint=${d.endpoint ?? ''}, Method=${d.method ?? ''}]`;
  }
};

const requestFns: Fns = {
  ...headerFns,
  setEndpoint: (rt, [e], self) => {
    http(self).endpoint = e === null ? null : text(rt, e);
    return null;
  },
  getEndpoint: (_rt, _a, self) => http(self).endpoint,
  setMethod: (rt, [m], self) => {
    http(self).method = m === null ? null : text(rt, m);
    return null;
  },
  getMethod: (_rt, _a, self) => http(self).method,
  setTimeout: (rt, [t], self) => {
    const n = t as number;
    if (n < 1 || n > 120000)
      rt.throwApex('System.CalloutException', 'Timeout must be between 1 and 120000 milliseconds');
    http(self).timeout = n;
    return null;
  },
  setCompressed: () => null,
  setClientCertificateName: () => null
};

const responseFns: Fns = {
  ...headerFns,
  setStatusCode: (_rt, [c], self) => {
    http(self).statusCode = c as number;
    return null;
  },
  getStatusCode: (_rt, _a, self) => http(self).statusCode ?? 0,
  setStatus: (rt, [s], self) => {
    http(self).status = s === null ? null : text(rt, s);
    return null;
  },
  getStatus: (_rt, _a, self) => http(self).status ?? null,
  getHeaderKeys: (_rt, _a, self) =>
    new ApexList(
      typeRef('String'),
      [...http(self).headers.values()].map(([k]) => k)
    )
};

/** Http.send: the platform's callout rules, then the mock Test.setMock registered (rt.ctx.slots.httpMock). */
export function send(rt: Runtime, request: Value): Value {
  if (request === null) rt.throwApex('System.NullPointerException', 'Argument cannot be null.');
  const req = http(request);
  if (!req.endpoint) rt.throwApex('System.CalloutException', 'Endpoint cannot be null');
  if (!req.method) rt.throwApex('System.CalloutException', 'Method cannot be null');
  if (rt.ctx.uncommittedWork) {
    rt.throwApex(
      'System.CalloutException',
      'You have uncommitted work pending. Please commit or rollback before calling out'
    );
  }
  rt.ctx.consume('callouts');
  const bridge = rt.ctx.slots.calloutBridge as ((rt: Runtime, req: Value) => Value) | undefined;
  if (bridge) return bridge(rt, request);
  const mock = rt.ctx.slots.httpMock as Value | undefined;
  if (rt.ctx.inTest && !mock) {
    rt.throwApex('System.CalloutException', 'Methods defined as TestMethod do not support Web service callouts');
  }
  if (!mock) throw new UnsupportedError('a real HTTP callout outside a test', rt.currentPos());
  const response = rt.callMethod(mock, 'respond', [request]);
  if (response === null) rt.throwApex('System.CalloutException', 'The mock returned a null HttpResponse');
  return response;
}

// ---------------------------------------------------------------- EventBus

function publish(rt: Runtime, [events]: Value[]): Value {
  const list = events instanceof ApexList ? events.items : [events];
  const results: Value[] = [];
  for (const e of list) {
    if (!(e instanceof ApexSObject)) rt.throwApex('System.NullPointerException', 'Argument cannot be null.');
    if (!e.type.endsWith('__e'))
      rt.throwApex('System.TypeException', `EventBus.publish takes platform events, not ${e.type}`);
    rt.ctx.consume('publishImmediateDml');
    rt.ctx.eventBus.push(e);
    results.push(new NativeObject('Database.SaveResult', { id: null, success: true, errors: [] }));
  }
  rt.ctx.slots.eventDelivery = deliverPublished;
  return events instanceof ApexList ? new ApexList(typeRef('Database.SaveResult'), results) : results[0];
}

/** Delivers the published events: each batch is inserted in a new transaction, so the event's after-insert triggers run. */
export function deliverPublished(rt: Runtime): void {
  const pending = rt.ctx.eventBus.splice(0);
  const byType = new Map<string, ApexSObject[]>();
  for (const e of pending) byType.set(e.type, [...(byType.get(e.type) ?? []), e]);
  for (const [, events] of byType) {
    rt.inNewTransaction(true, () => {
      rt.org.dml(rt, 'insert', events, { allOrNone: true, eventDelivery: true });
    });
  }
}

// ---------------------------------------------------------------- data classes (fields with get/set)

function dataClass(name: string, namespace: string, fields: string[], extra: Partial<NativeClass> = {}): NativeClass {
  const typeName = `${namespace}.${name}`;
  const props: NativeClass['props'] = {};
  for (const f of fields) {
    props[f.toLowerCase()] = {
      get: (_rt, self) => (data(self)[f] as Value | undefined) ?? null,
      set: (_rt, self, v) => void (data(self)[f] = v)
    };
  }
  return {
    name,
    namespace,
    kind: 'class',
    props,
    construct: () => new NativeObject(typeName, {}),
    ...extra
  };
}

const stringObjectMap = (m: Value): Value => {
  if (m instanceof ApexMap) return m;
  return new ApexMap(typeRef('String'), typeRef('Object'));
};

const PARAMETER_TYPES = [
  'BOOLEAN',
  'DATE',
  'DATETIME',
  'DECIMAL',
  'DOUBLE',
  'FLOAT',
  'ID',
  'INTEGER',
  'LONG',
  'STRING',
  'TIME'
];

const paramType = (name: string): ApexEnumValue =>
  new ApexEnumValue('Process.PluginDescribeResult.ParameterType', name, PARAMETER_TYPES.indexOf(name));

function inputParameter(n: string, t: string, required: boolean): NativeObject {
  return new NativeObject('Process.PluginDescribeResult.InputParameter', {
    name: n,
    parameterType: paramType(t),
    required,
    description: null
  });
}
function outputParameter(n: string, t: string): NativeObject {
  return new NativeObject('Process.PluginDescribeResult.OutputParameter', {
    name: n,
    parameterType: paramType(t),
    description: null
  });
}

const STANDARD_INPUTS: Array<[string, string]> = [
  ['userProvisioningRequestId', 'ID'],
  ['userId', 'ID'],
  ['namedCredDevName', 'STRING'],
  ['reconFilter', 'STRING'],
  ['reconOffset', 'STRING']
];
const STANDARD_OUTPUTS = [
  'Status',
  'Details',
  'ExternalUserId',
  'ExternalUsername',
  'ExternalEmail',
  'ExternalFirstName',
  'ExternalLastName',
  'reconState',
  'nextReconOffset'
];

/** UserProvisioningPlugin.describe(): the standard parameters plus what the subclass's buildDescribeCall adds. */
function pluginDescribe(rt: Runtime, self: Value): Value {
  const result = new NativeObject('Process.PluginDescribeResult', {
    name: rt.typeOf(self).name,
    tag: 'UserProvisioning',
    description: null,
    inputParameters: new ApexList(
      typeRef('Process.PluginDescribeResult.InputParameter'),
      STANDARD_INPUTS.map(([n, t]) => inputParameter(n, t, false))
    ),
    outputParameters: new ApexList(
      typeRef('Process.PluginDescribeResult.OutputParameter'),
      STANDARD_OUTPUTS.map((n) => outputParameter(n, 'STRING'))
    )
  });
  if (self instanceof ApexObject && rt.hasMethod(self, 'buildDescribeCall', 0)) {
    const extra = rt.callMethod(self, 'buildDescribeCall', []);
    if (extra instanceof NativeObject) {
      for (const key of ['inputParameters', 'outputParameters']) {
        const more = extra.data[key];
        if (more instanceof ApexList) (result.data[key] as ApexList).items.push(...more.items);
      }
    }
  }
  return result;
}

function provisioningLog(rt: Runtime, args: Value[]): Value {
  const fields: Record<string, Value> = { UserProvisioningRequestId: args[0] ?? null };
  if (args.length === 2) fields.Details = args[1];
  else if (args.length === 3) Object.assign(fields, { Status: args[1], Details: args[2] });
  else if (args.length === 5)
    Object.assign(fields, { ExternalUserId: args[1], ExternalUsername: args[2], UserId: args[3], Details: args[4] });
  else throw new UnsupportedError(`UserProvisioningLog.log with ${args.length} arguments`, rt.currentPos());
  rt.org.insertSystemRow('UserProvisioningLog', fields);
  return null;
}

const DEPLOY_STATUS = ['Pending', 'InProgress', 'Succeeded', 'SucceededPartial', 'Failed', 'Canceling', 'Canceled'];

const EMAIL_FIELDS = [
  'ToAddresses',
  'CcAddresses',
  'Subject',
  'PlainTextBody',
  'HtmlBody',
  'TargetObjectId',
  'SaveAsActivity',
  'SenderDisplayName',
  'ReplyTo',
  'OrgWideEmailAddressId',
  'WhatId'
];

/** SingleEmailMessage's setX/getX pairs. */
function emailAccessors(): Fns {
  const fns: Fns = {};
  for (const f of EMAIL_FIELDS) {
    fns[`set${f}`] = (_rt, [v], self) => {
      data(self)[f] = v;
      return null;
    };
    fns[`get${f}`] = (_rt, _a, self) => (data(self)[f] as Value | undefined) ?? null;
  }
  return fns;
}

export const serviceClasses: NativeClass[] = [
  {
    name: 'Http',
    namespace: 'System',
    kind: 'class',
    construct: () => new NativeObject('Http', {}),
    methods: lower({ send: (rt, [req]) => send(rt, req) })
  },
  {
    name: 'HttpRequest',
    namespace: 'System',
    kind: 'class',
    construct: () => newHttp('HttpRequest'),
    methods: lower(requestFns)
  },
  {
    name: 'HttpResponse',
    namespace: 'System',
    kind: 'class',
    construct: () => newHttp('HttpResponse'),
    methods: lower(responseFns)
  },
  { name: 'HttpCalloutMock', namespace: 'System', kind: 'interface', abstractMethods: ['respond'] },
  { name: 'EventBus', namespace: 'System', kind: 'class', statics: lower({ publish: (rt, a) => publish(rt, a) }) },
  {
    name: 'TestBroker',
    namespace: 'EventBus',
    kind: 'class',
    methods: lower({
      deliver: (rt) => {
        deliverPublished(rt);
        return null;
      }
    })
  },
  dataClass('SingleEmailMessage', 'Messaging', [], { methods: lower(emailAccessors()) }),
  {
    name: 'Messaging',
    namespace: 'System',
    kind: 'class',
    statics: lower({
      sendEmail: (rt, [emails, allOrNothing]) => {
        rt.ctx.consume('emailInvocations');
        // Deliverability below "All email" refuses Apex email (Salesforce Help, knowledge article 000384750).
        if (rt.org.emailDeliverability !== 'all') {
          rt.throwApex(
            'System.EmailException',
            'SendEmail failed. First exception on row 0; first error: NO_MASS_MAIL_PERMISSION, Single email is not enabled for your organization or profile. Single email must be enabled for you to use this feature.: []'
          );
        }
        const list = emails instanceof ApexList ? emails.items : [];
        const outbox = (rt.ctx.slots.emailOutbox as Value[] | undefined) ?? [];
        outbox.push(...list);
        rt.ctx.slots.emailOutbox = outbox;
        void allOrNothing;
        return new ApexList(
          typeRef('Messaging.SendEmailResult'),
          list.map(() => new NativeObject('Messaging.SendEmailResult', { success: true }))
        );
      },
      reserveSingleEmailCapacity: () => null
    })
  },
  {
    name: 'SendEmailResult',
    namespace: 'Messaging',
    kind: 'class',
    methods: lower({
      isSuccess: (_rt, _a, self) => data(self).success as boolean,
      getErrors: () => new ApexList(typeRef('Messaging.SendEmailError'), [])
    })
  },
  // Process namespace
  { name: 'Plugin', namespace: 'Process', kind: 'interface', abstractMethods: ['invoke', 'describe'] },
  dataClass('PluginRequest', 'Process', ['inputParameters'], {
    construct: (_rt, [m]) => new NativeObject('Process.PluginRequest', { inputParameters: stringObjectMap(m ?? null) })
  }),
  dataClass('PluginResult', 'Process', ['outputParameters'], {
    construct: (rt, a) => {
      if (a.length === 2) {
        const m = new ApexMap(typeRef('String'), typeRef('Object'));
        m.entries.set(rt.key(a[0]), [a[0], a[1]]);
        return new NativeObject('Process.PluginResult', { outputParameters: m });
      }
      return new NativeObject('Process.PluginResult', { outputParameters: stringObjectMap(a[0] ?? null) });
    }
  }),
  dataClass('PluginDescribeResult', 'Process', ['name', 'tag', 'description', 'inputParameters', 'outputParameters'], {
    construct: () =>
      new NativeObject('Process.PluginDescribeResult', {
        inputParameters: new ApexList(typeRef('Process.PluginDescribeResult.InputParameter'), []),
        outputParameters: new ApexList(typeRef('Process.PluginDescribeResult.OutputParameter'), [])
      })
  }),
  dataClass('PluginDescribeResult.InputParameter', 'Process', ['name', 'description', 'parameterType', 'required'], {
    construct: (_rt, a) => {
      const [n, d, t, r] = a.length === 4 ? a : [a[0], null, a[1], a[2]];
      return new NativeObject('Process.PluginDescribeResult.InputParameter', {
        name: n,
        description: d,
        parameterType: t,
        required: r
      });
    }
  }),
  dataClass('PluginDescribeResult.OutputParameter', 'Process', ['name', 'description', 'parameterType'], {
    construct: (_rt, a) => {
      const [n, d, t] = a.length === 3 ? a : [a[0], null, a[1]];
      return new NativeObject('Process.PluginDescribeResult.OutputParameter', {
        name: n,
        description: d,
        parameterType: t
      });
    }
  }),
  { name: 'PluginDescribeResult.ParameterType', namespace: 'Process', kind: 'enum', enumValues: PARAMETER_TYPES },
  // UserProvisioning namespace
  {
    name: 'UserProvisioningPlugin',
    namespace: 'UserProvisioning',
    kind: 'class',
    superTypes: ['Process.Plugin'],
    methods: lower({
      describe: (rt, _a, self) => pluginDescribe(rt, self),
      buildDescribeCall: () => null,
      getPluginClassName: (rt, _a, self) => rt.typeOf(self).name,
      invoke: (rt) => rt.throwApex('System.UnexpectedException', 'UserProvisioningPlugin.invoke must be overridden')
    })
  },
  {
    name: 'UserProvisioningLog',
    namespace: 'UserProvisioning',
    kind: 'class',
    statics: lower({ log: (rt, a) => provisioningLog(rt, a) })
  },
  {
    name: 'ConnectorTestUtil',
    namespace: 'UserProvisioning',
    kind: 'class',
    statics: lower({
      createConnectedApp: (rt, [name]) => {
        if (!rt.ctx.inTest)
          rt.throwApex('System.UnexpectedException', 'ConnectorTestUtil can only be used in Apex tests');
        return rt.org.insertSystemRow('ConnectedApplication', { Name: text(rt, name) });
      }
    })
  },
  // Metadata namespace: the deploy types (records of custom metadata built in Apex)
  dataClass('Metadata', 'Metadata', ['fullName']),
  dataClass('CustomMetadata', 'Metadata', ['fullName', 'label', 'protected_x', 'values'], {
    superTypes: ['Metadata.Metadata'],
    construct: () =>
      new NativeObject('Metadata.CustomMetadata', { values: new ApexList(typeRef('Metadata.CustomMetadataValue'), []) })
  }),
  dataClass('CustomMetadataValue', 'Metadata', ['field', 'value']),
  dataClass('DeployContainer', 'Metadata', [], {
    construct: () => new NativeObject('Metadata.DeployContainer', { items: [] }),
    methods: lower({
      addMetadata: (_rt, [m], self) => {
        (data(self).items as Value[]).push(m);
        return null;
      },
      getMetadata: (_rt, _a, self) => new ApexList(typeRef('Metadata.Metadata'), [...(data(self).items as Value[])]),
      removeMetadata: (_rt, [m], self) => {
        const items = data(self).items as Value[];
        const i = items.indexOf(m);
        if (i >= 0) items.splice(i, 1);
        return i >= 0;
      }
    })
  }),
  dataClass('DeployResult', 'Metadata', [
    'id',
    'status',
    'success',
    'done',
    'details',
    'errorMessage',
    'errorStatusCode',
    'numberComponentErrors',
    'numberComponentsDeployed',
    'numberComponentsTotal',
    'createdBy',
    'createdByName',
    'startDate',
    'completedDate',
    'checkOnly',
    'ignoreWarnings',
    'rollbackOnError',
    'stateDetail'
  ]),
  dataClass('DeployDetails', 'Metadata', ['componentFailures', 'componentSuccesses']),
  dataClass('DeployMessage', 'Metadata', [
    'changed',
    'columnNumber',
    'componentType',
    'created',
    'createdDate',
    'deleted',
    'fileName',
    'fullName',
    'id',
    'lineNumber',
    'problem',
    'problemType',
    'success'
  ]),
  { name: 'DeployStatus', namespace: 'Metadata', kind: 'enum', enumValues: DEPLOY_STATUS },
  { name: 'MetadataType', namespace: 'Metadata', kind: 'enum', enumValues: ['CustomMetadata', 'Layout'] },
  { name: 'DeployCallback', namespace: 'Metadata', kind: 'interface', abstractMethods: ['handleResult'] },
  {
    name: 'DeployCallbackContext',
    namespace: 'Metadata',
    kind: 'class',
    construct: () => new NativeObject('Metadata.DeployCallbackContext', {}),
    methods: lower({ getCallbackJobId: () => null })
  },
  {
    name: 'Operations',
    namespace: 'Metadata',
    kind: 'class',
    statics: lower({
      enqueueDeployment: (rt) => {
        throw new UnsupportedError(
          'Metadata.Operations.enqueueDeployment in a test (the platform does not deploy from tests)',
          rt.currentPos()
        );
      },
      retrieve: (rt) => {
        throw new UnsupportedError('Metadata.Operations.retrieve in a test', rt.currentPos());
      }
    })
  }
];

export function registerServices(registry: NativeRegistry): void {
  for (const cls of serviceClasses) registry.register(cls);
}
