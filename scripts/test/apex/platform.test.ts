/**
 * Conformance of the local org and the test runner: each case is an `@IsTest` method run exactly as the
 * apex-tests gate runs the project's tests (own rolled-back data, limits, startTest/stopTest, async at stopTest),
 * with the outcome the platform gives and the documentation line it follows. The method body runs in a test class
 * `T`; `extra` adds members to T; `files` adds other classes and triggers; `project` runs against a small project
 * with a custom metadata type and a custom object instead of the empty one.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSources } from '../../src/apex/runner/harness';
import { MethodOutcome } from '../../src/apex/runner/types';
import { SnippetCase } from './snippetCase';

interface Case extends SnippetCase {
  project?: boolean;
  /** Expected outcome; a failure's message must start with `message`. */
  outcome?: MethodOutcome;
  message?: string;
  debug?: string[];
}

const MOCK = `public class Mock implements HttpCalloutMock {
  public Integer calls = 0;
  public HttpResponse respond(HttpRequest req) {
    calls++;
    HttpResponse res = new HttpResponse();
    res.setStatusCode(200);
    res.setBody('{"echo":"' + req.getMethod() + ' ' + req.getEndpoint() + '"}');
    return res;
  }
}`;

const CALL = `static HttpResponse call() {
  HttpRequest req = new HttpRequest();
  req.setEndpoint('https://example.com/x');
  req.setMethod('GET');
  return new Http().send(req);
}`;

const QUEUEABLE = `public class Job implements Queueable {
  public static Integer runs = 0;
  public Boolean chain = false;
  public void execute(QueueableContext ctx) {
    runs++;
    insert new Account(Name = 'from job ' + runs);
    if (chain) { System.enqueueJob(new Job()); }
  }
}`;

const FINALIZED = `public class Finalized implements Queueable {
  public Boolean fail = false;
  public Boolean twice = false;
  public void execute(QueueableContext ctx) {
    System.attachFinalizer(new Fin());
    if (twice) { System.attachFinalizer(new Fin()); }
    if (fail) { Integer z = 0; Integer x = 1 / z; }
  }
}`;

const FIN = `public class Fin implements Finalizer {
  public void execute(FinalizerContext ctx) {
    insert new Account(Name = 'finalizer ' + ctx.getResult());
  }
}`;

const STANDARD_USER = `static User standardUser() {
  Profile p = [SELECT Id FROM Profile WHERE Name = 'Standard User'];
  User u = new User(LastName = 'L', Alias = 'std', Email = 'std@example.com', Username = 'std@conformance.example',
    ProfileId = p.Id, TimeZoneSidKey = 'GMT', LocaleSidKey = 'en_US', EmailEncodingKey = 'UTF-8', LanguageLocaleKey = 'en_US');
  insert u;
  return u;
}`;

const CASES: Case[] = [
  // ---- DML and the schema ("DML Statements vs. Database Class Methods", Object Reference)
  {
    name: 'insert assigns an Id that SOQL then finds with a bind',
    doc: 'Apex Developer Guide, Inserting and Updating Records; Using Apex Variables in SOQL',
    body: `Account a = new Account(Name = 'Acme'); insert a;
      Account back = [SELECT Id, Name FROM Account WHERE Id = :a.Id];
      Assert.areEqual('Acme', back.Name);`,
    outcome: 'pass'
  },
  {
    name: 'a required field missing fails the insert',
    doc: 'Object Reference, Account.Name: required (not nillable); DmlException REQUIRED_FIELD_MISSING',
    body: 'insert new Account();',
    outcome: 'fail',
    message: 'System.DmlException: Insert failed. First exception on row 0; first error: REQUIRED_FIELD_MISSING'
  },
  {
    name: 'Database.insert with allOrNone false reports row errors and keeps the good rows',
    doc: 'Apex Reference, Database.insert(recordsToInsert, allOrNone); SaveResult',
    body: `List<Database.SaveResult> rs = Database.insert(new List<Account>{ new Account(Name = 'ok'), new Account() }, false);
      Assert.isTrue(rs[0].isSuccess());
      Assert.isFalse(rs[1].isSuccess());
      Assert.areEqual(StatusCode.REQUIRED_FIELD_MISSING, rs[1].getErrors()[0].getStatusCode());
      Assert.areEqual(1, [SELECT COUNT() FROM Account]);`,
    outcome: 'pass'
  },
  {
    name: 'an all-or-none insert with one bad row saves none',
    doc: 'Apex Developer Guide, DML Statements vs. Database Class Methods: the whole operation is rolled back',
    body: `try { insert new List<Account>{ new Account(Name = 'ok'), new Account() }; } catch (DmlException e) {
        Assert.areEqual(1, e.getNumDml()); Assert.areEqual(1, e.getDmlIndex(0));
      }
      Assert.areEqual(0, [SELECT COUNT() FROM Account]);`,
    outcome: 'pass'
  },
  {
    name: 'update without an Id fails',
    doc: 'Apex Developer Guide, DML: update requires the record Id (MISSING_ARGUMENT)',
    body: "update new Account(Name = 'x');",
    outcome: 'fail',
    message: 'System.DmlException: Update failed.'
  },
  {
    name: 'a text field longer than its length fails with STRING_TOO_LONG',
    doc: 'Object Reference, Account.Name: string(255)',
    body: "insert new Account(Name = 'x'.repeat(256));",
    outcome: 'fail',
    message: 'System.DmlException: Insert failed. First exception on row 0; first error: STRING_TOO_LONG'
  },
  {
    name: 'delete then undelete brings the record back',
    doc: 'Apex Developer Guide, Undeleting Records; ALL ROWS',
    body: `Account a = new Account(Name = 'gone'); insert a; delete a;
      Assert.areEqual(0, [SELECT COUNT() FROM Account]);
      Assert.areEqual(1, [SELECT COUNT() FROM Account WHERE IsDeleted = TRUE ALL ROWS]);
      undelete a;
      Assert.areEqual(1, [SELECT COUNT() FROM Account]);`,
    outcome: 'pass'
  },
  {
    name: 'upsert on Id inserts the new and updates the existing',
    doc: 'Apex Developer Guide, Upserting Records',
    body: `Account a = new Account(Name = 'one'); insert a; a.Name = 'uno';
      List<Database.UpsertResult> rs = Database.upsert(new List<Account>{ a, new Account(Name = 'two') });
      Assert.isFalse(rs[0].isCreated()); Assert.isTrue(rs[1].isCreated());
      Assert.areEqual('uno', [SELECT Name FROM Account WHERE Id = :a.Id].Name);`,
    outcome: 'pass'
  },
  {
    name: 'a restricted picklist refuses a value outside its list',
    doc: 'Object Reference, UserProvAccountStaging.LinkState: restricted picklist (linked, orphaned, ...)',
    body: `insert new UserProvAccountStaging(Name = 'x', ExternalUserId = 'e', LinkState = 'Bogus', Status = 'ready');`,
    outcome: 'fail',
    message:
      'System.DmlException: Insert failed. First exception on row 0; first error: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'
  },
  // ---- SOQL ("SOQL and SOSL Queries", SOQL and SOSL Reference)
  {
    name: 'ORDER BY, LIMIT and OFFSET',
    doc: 'SOQL Reference, ORDER BY / LIMIT / OFFSET',
    body: `insert new List<Account>{ new Account(Name = 'c'), new Account(Name = 'a'), new Account(Name = 'b') };
      List<Account> rows = [SELECT Name FROM Account ORDER BY Name DESC LIMIT 2 OFFSET 1];
      Assert.areEqual(2, rows.size()); Assert.areEqual('b', rows[0].Name); Assert.areEqual('a', rows[1].Name);`,
    outcome: 'pass'
  },
  {
    name: 'COUNT() and GROUP BY aggregates',
    doc: 'SOQL Reference, Aggregate Functions; AggregateResult',
    body: `insert new List<Account>{ new Account(Name = 'x', Industry = 'Banking'), new Account(Name = 'y', Industry = 'Banking'), new Account(Name = 'z', Industry = 'Energy') };
      Assert.areEqual(3, [SELECT COUNT() FROM Account]);
      Map<String, Integer> byIndustry = new Map<String, Integer>();
      for (AggregateResult r : [SELECT Industry, COUNT(Id) n FROM Account GROUP BY Industry]) {
        byIndustry.put((String) r.get('Industry'), (Integer) r.get('n'));
      }
      Assert.areEqual(2, byIndustry.get('Banking')); Assert.areEqual(1, byIndustry.get('Energy'));`,
    outcome: 'pass'
  },
  {
    name: 'a parent relationship field is traversed',
    doc: 'SOQL Reference, Relationship Queries: child-to-parent',
    body: `Account a = new Account(Name = 'Parent'); insert a;
      insert new Contact(LastName = 'Kid', AccountId = a.Id);
      Contact c = [SELECT Account.Name FROM Contact LIMIT 1];
      Assert.areEqual('Parent', c.Account.Name);`,
    outcome: 'pass'
  },
  {
    name: 'a sub-query returns the children',
    doc: 'SOQL Reference, Relationship Queries: parent-to-child',
    body: `Account a = new Account(Name = 'Parent'); insert a;
      insert new List<Contact>{ new Contact(LastName = 'a', AccountId = a.Id), new Contact(LastName = 'b', AccountId = a.Id) };
      Account back = [SELECT Id, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account];
      Assert.areEqual(2, back.Contacts.size()); Assert.areEqual('a', back.Contacts[0].LastName);`,
    outcome: 'pass'
  },
  {
    name: 'Database.queryWithBinds resolves binds from the map',
    doc: 'Apex Reference, Database.queryWithBinds(queryString, bindMap, accessLevel)',
    body: `insert new Account(Name = 'bound');
      List<Account> rows = Database.queryWithBinds('SELECT Name FROM Account WHERE Name = :n',
        new Map<String, Object>{ 'n' => 'bound' }, AccessLevel.SYSTEM_MODE);
      Assert.areEqual(1, rows.size());`,
    outcome: 'pass'
  },
  {
    name: 'dynamic SOQL binds a local variable',
    doc: 'Apex Developer Guide, Dynamic SOQL: bind variables in Database.query',
    body: `insert new Account(Name = 'dyn'); String n = 'dyn';
      Assert.areEqual(1, Database.query('SELECT Id FROM Account WHERE Name = :n').size());`,
    outcome: 'pass'
  },
  {
    name: 'an unknown field in dynamic SOQL is a QueryException',
    doc: 'Apex Developer Guide, Dynamic SOQL: invalid queries throw at run time',
    body: "Database.query('SELECT NoSuchField__c FROM Account');",
    outcome: 'fail',
    message: 'System.QueryException: '
  },
  {
    name: 'reading a field that was not queried',
    doc: 'Apex Developer Guide, Working with SOQL query results: SObjectException',
    body: `insert new Account(Name = 'x'); Account a = [SELECT Id FROM Account]; String n = a.Name;`,
    outcome: 'fail',
    message:
      'System.SObjectException: SObject row was retrieved via SOQL without querying the requested field: Account.Name'
  },
  {
    name: 'no row for assignment to an SObject',
    doc: 'Apex Developer Guide, SOQL: a single-row assignment of an empty result throws QueryException',
    body: 'Account a = [SELECT Id FROM Account];',
    outcome: 'fail',
    message: 'System.QueryException: List has no rows for assignment to SObject'
  },
  {
    name: 'more than one row for assignment to an SObject',
    doc: 'Apex Developer Guide, SOQL: single-row assignment',
    body: `insert new List<Account>{ new Account(Name = 'a'), new Account(Name = 'b') }; Account a = [SELECT Id FROM Account];`,
    outcome: 'fail',
    message: 'System.QueryException: List has more than 1 row for assignment to SObject'
  },
  {
    name: 'user mode refuses PermissionSetAssignment to a user without View Setup',
    doc: 'Object Reference, PermissionSetAssignment, Special Access Rules (Summer ’20)',
    extra: STANDARD_USER,
    body: `User u = standardUser();
      Integer systemRows = [SELECT COUNT() FROM PermissionSetAssignment WITH SYSTEM_MODE];
      Assert.isTrue(systemRows >= 0);
      System.runAs(u) {
        try { List<PermissionSetAssignment> rows = [SELECT Id FROM PermissionSetAssignment WITH USER_MODE]; Assert.fail('read ' + rows.size()); }
        catch (QueryException e) { Assert.isTrue(e.getMessage().contains('PermissionSetAssignment'), e.getMessage()); }
        Assert.areEqual(systemRows, [SELECT COUNT() FROM PermissionSetAssignment WITH SYSTEM_MODE]);
      }`,
    outcome: 'pass'
  },
  {
    name: 'user mode lets a System Administrator read PermissionSetAssignment',
    doc: 'Object Reference, PermissionSetAssignment, Special Access Rules: View Setup and Configuration',
    body: 'List<PermissionSetAssignment> rows = [SELECT Id FROM PermissionSetAssignment WITH USER_MODE]; Assert.isNotNull(rows);',
    outcome: 'pass'
  },
  // ---- custom metadata ("Custom Metadata Types", Apex Reference Custom Metadata Type Methods)
  {
    name: 'custom metadata records are visible to tests without SeeAllData',
    doc: 'Apex Developer Guide, Isolation of Test Data: custom metadata is visible',
    project: true,
    body: `Assert.areEqual(2, [SELECT COUNT() FROM Rule__mdt]);
      Assert.areEqual(2, Rule__mdt.getAll().size());
      Assert.areEqual('alpha', Rule__mdt.getInstance('First').Path__c);`,
    outcome: 'pass'
  },
  {
    name: 'a metadata relationship holds the related record and traverses by __r',
    doc: 'Salesforce Help, Custom Metadata Relationships: query related records through the relationship',
    project: true,
    body: `Target__mdt t = [SELECT Id FROM Target__mdt WHERE DeveloperName = 'Main'];
      List<Rule__mdt> rules = [SELECT DeveloperName, Target__c, Target__r.DeveloperName FROM Rule__mdt WHERE Target__r.DeveloperName = 'Main' ORDER BY DeveloperName];
      Assert.areEqual(2, rules.size());
      Assert.areEqual(t.Id, rules[0].Target__c);
      Assert.areEqual('Main', rules[0].Target__r.DeveloperName);`,
    outcome: 'pass'
  },
  {
    name: 'DML on a custom metadata record is refused',
    doc: 'Salesforce Help, Access Custom Metadata Records Programmatically: no DML on custom metadata in Apex',
    project: true,
    body: "insert new Rule__mdt(DeveloperName = 'Third', MasterLabel = 'Third');",
    outcome: 'fail',
    message: 'System.TypeException: DML operation Insert not allowed on Rule__mdt'
  },
  {
    name: 'a custom object of the project has its fields and required checks',
    doc: 'Metadata API, CustomField.required',
    project: true,
    body: 'insert new Ledger__c(Amount__c = 5);',
    outcome: 'fail',
    message: 'System.DmlException: Insert failed. First exception on row 0; first error: REQUIRED_FIELD_MISSING'
  },
  // ---- governor limits ("Execution Governors and Limits")
  {
    name: '101 SOQL queries exceed the limit',
    doc: 'Execution Governors and Limits: 100 synchronous SOQL queries',
    body: 'for (Integer i = 0; i < 101; i++) { Integer n = [SELECT COUNT() FROM Account]; }',
    outcome: 'fail',
    message: 'System.LimitException: Too many SOQL queries: 101'
  },
  {
    name: '151 DML statements exceed the limit',
    doc: 'Execution Governors and Limits: 150 DML statements',
    body: "for (Integer i = 0; i < 151; i++) { insert new Account(Name = 'n' + i); }",
    outcome: 'fail',
    message: 'System.LimitException: Too many DML statements: 151'
  },
  {
    name: 'Test.startTest gives a fresh set of limits',
    doc: 'Apex Developer Guide, Using Limits, startTest, and stopTest',
    body: `for (Integer i = 0; i < 100; i++) { Integer n = [SELECT COUNT() FROM Account]; }
      Test.startTest();
      Assert.areEqual(0, Limits.getQueries());
      for (Integer i = 0; i < 100; i++) { Integer n = [SELECT COUNT() FROM Account]; }
      Test.stopTest();`,
    outcome: 'pass'
  },
  {
    name: 'Limits reports what was used',
    doc: 'Apex Reference, Limits.getDmlStatements / getDmlRows / getQueries',
    body: `insert new List<Account>{ new Account(Name = 'a'), new Account(Name = 'b') };
      Integer n = [SELECT COUNT() FROM Account];
      Assert.areEqual(1, Limits.getDmlStatements()); Assert.areEqual(2, Limits.getDmlRows());
      Assert.areEqual(1, Limits.getQueries()); Assert.areEqual(100, Limits.getLimitQueries());`,
    outcome: 'pass'
  },
  // ---- callouts ("Invoking Callouts Using Apex", "Testing HTTP Callouts")
  {
    name: 'a mock answers the callout',
    doc: 'Apex Developer Guide, Testing HTTP Callouts by Implementing the HttpCalloutMock Interface',
    files: { Mock: MOCK },
    extra: CALL,
    body: `Test.setMock(HttpCalloutMock.class, new Mock());
      HttpResponse res = call();
      Assert.areEqual(200, res.getStatusCode());
      Assert.areEqual('{"echo":"GET https://example.com/x"}', res.getBody());
      Assert.areEqual(1, Limits.getCallouts());`,
    outcome: 'pass'
  },
  {
    name: 'a callout in a test without a mock fails',
    doc: 'Apex Developer Guide, Testing HTTP Callouts: test methods do not support callouts',
    extra: CALL,
    body: 'call();',
    outcome: 'fail',
    message: 'System.CalloutException: Methods defined as TestMethod do not support Web service callouts'
  },
  {
    name: 'a callout after uncommitted DML fails',
    doc: 'Apex Developer Guide, Callout Limits and Limitations / Performing DML Operations and Mock Callouts',
    files: { Mock: MOCK },
    extra: CALL,
    body: "Test.setMock(HttpCalloutMock.class, new Mock()); insert new Account(Name = 'first'); call();",
    outcome: 'fail',
    message: 'System.CalloutException: You have uncommitted work pending. Please commit or rollback before calling out'
  },
  {
    name: 'DML before Test.startTest does not block a callout after it',
    doc: 'Apex Developer Guide, Performing DML Operations and Mock Callouts: DML before startTest',
    files: { Mock: MOCK },
    extra: CALL,
    body: `insert new Account(Name = 'setup');
      Test.setMock(HttpCalloutMock.class, new Mock());
      Test.startTest(); HttpResponse r = call(); Test.stopTest();
      Assert.areEqual(200, r.getStatusCode());`,
    outcome: 'pass'
  },
  {
    name: '101 callouts exceed the limit',
    doc: 'Execution Governors and Limits: 100 callouts per transaction',
    files: { Mock: MOCK },
    extra: CALL,
    body: 'Test.setMock(HttpCalloutMock.class, new Mock()); for (Integer i = 0; i < 101; i++) { call(); }',
    outcome: 'fail',
    message: 'System.LimitException: Too many callouts: 101'
  },
  // ---- mixed DML ("sObjects That Cannot Be Used Together in DML Operations")
  {
    name: 'setup and non-setup DML in one transaction fail with MIXED_DML_OPERATION',
    doc: 'Apex Developer Guide, sObjects That Cannot Be Used Together in DML Operations',
    body: `insert new Account(Name = 'data');
      insert new PermissionSet(Name = 'Mixed', Label = 'Mixed');`,
    outcome: 'fail',
    message: 'System.DmlException: Insert failed. First exception on row 0; first error: MIXED_DML_OPERATION'
  },
  {
    name: 'System.runAs separates setup DML from the rest',
    doc: 'Apex Developer Guide, Mixed DML Operations in Test Methods: use System.runAs',
    body: `insert new Account(Name = 'data');
      System.runAs(new User(Id = UserInfo.getUserId())) { insert new PermissionSet(Name = 'Mixed', Label = 'Mixed'); }
      Assert.areEqual(1, [SELECT COUNT() FROM PermissionSet WHERE Name = 'Mixed']);`,
    outcome: 'pass'
  },
  // ---- test semantics ("Testing Apex")
  {
    name: 'System.runAs changes the running user',
    doc: 'Apex Developer Guide, Using the runAs Method',
    extra: STANDARD_USER,
    body: `User u = standardUser();
      Id admin = UserInfo.getUserId();
      System.runAs(u) { Assert.areEqual(u.Id, UserInfo.getUserId()); }
      Assert.areEqual(admin, UserInfo.getUserId());`,
    outcome: 'pass'
  },
  {
    name: 'Test.isRunningTest is true in a test',
    doc: 'Apex Reference, Test.isRunningTest()',
    body: 'Assert.isTrue(Test.isRunningTest());',
    outcome: 'pass'
  },
  {
    name: 'a test sees no organization data, only setup records',
    doc: 'Apex Developer Guide, Isolation of Test Data from Organization Data in Unit Tests',
    body: `Assert.areEqual(0, [SELECT COUNT() FROM Account]);
      Assert.isTrue([SELECT COUNT() FROM Profile] > 0);
      Assert.isNotNull([SELECT Id FROM Organization].Id);`,
    outcome: 'pass'
  },
  {
    name: 'a Queueable runs at Test.stopTest, not before',
    doc: 'Apex Developer Guide, Testing Queueable Jobs: stopTest runs the queued job synchronously',
    files: { Job: QUEUEABLE },
    body: `Test.startTest();
      Id jobId = System.enqueueJob(new Job());
      Assert.areEqual(0, Job.runs);
      Test.stopTest();
      Assert.areEqual(1, Job.runs);
      Assert.areEqual(1, [SELECT COUNT() FROM Account]);
      Assert.areEqual('Completed', [SELECT Status FROM AsyncApexJob WHERE Id = :jobId].Status);`,
    outcome: 'pass'
  },
  {
    name: 'chaining a Queueable in a test fails without a stack depth',
    doc: 'Apex Developer Guide, Queueable Apex: chaining jobs is not supported in tests ("Maximum stack depth")',
    files: { Job: QUEUEABLE },
    body: 'Job j = new Job(); j.chain = true; Test.startTest(); System.enqueueJob(j); Test.stopTest();',
    outcome: 'fail',
    message: 'System.AsyncException: Maximum stack depth has been reached.'
  },
  {
    name: 'a finalizer runs after its job at stopTest, with the job result',
    doc: 'Apex Developer Guide, Transaction Finalizers: FinalizerContext.getResult',
    files: { Finalized: FINALIZED, Fin: FIN },
    body: `Finalized f = new Finalized(); f.fail = true;
      Test.startTest(); System.enqueueJob(f); Test.stopTest();
      Assert.areEqual(1, [SELECT COUNT() FROM Account WHERE Name = 'finalizer UNHANDLED_EXCEPTION']);`,
    outcome: 'pass'
  },
  {
    name: "a failed job's DML is rolled back before its finalizer runs",
    doc: 'Apex Developer Guide, Transaction Finalizers: an unhandled exception rolls the job back; the finalizer runs after',
    files: {
      Finalized: `public class Finalized implements Queueable {
  public void execute(QueueableContext ctx) {
    System.attachFinalizer(new Fin());
    insert new Account(Name = 'written by the job');
    Integer z = 0; Integer x = 1 / z;
  }
}`,
      Fin: FIN
    },
    body: `Test.startTest(); System.enqueueJob(new Finalized()); Test.stopTest();
      Assert.areEqual(0, [SELECT COUNT() FROM Account WHERE Name = 'written by the job']);
      Assert.areEqual(1, [SELECT COUNT() FROM Account WHERE Name = 'finalizer UNHANDLED_EXCEPTION']);`,
    outcome: 'pass'
  },
  {
    name: 'a job stopped by a governor limit is rolled back; its finalizer runs and sees a System.LimitException',
    doc: 'Apex Developer Guide, Transaction Finalizers: actions when asynchronous jobs succeed or fail; the job and the finalizer run in separate transactions (the exception type a limit shows is INFERRED)',
    files: {
      Greedy: `public class Greedy implements Queueable {
  public void execute(QueueableContext ctx) {
    System.attachFinalizer(new Seen());
    insert new Account(Name = 'written by the job');
    for (Integer i = 0; i < 201; i++) { Integer n = [SELECT COUNT() FROM Account]; }
  }
}`,
      Seen: `public class Seen implements Finalizer {
  public void execute(FinalizerContext ctx) {
    insert new Account(Name = ctx.getResult() + ' ' + ctx.getException().getTypeName());
  }
}`
    },
    body: `Test.startTest(); System.enqueueJob(new Greedy()); Test.stopTest();
      Assert.areEqual(0, [SELECT COUNT() FROM Account WHERE Name = 'written by the job']);
      Assert.areEqual(1, [SELECT COUNT() FROM Account WHERE Name = 'UNHANDLED_EXCEPTION System.LimitException']);`,
    outcome: 'pass'
  },
  {
    name: 'a Queueable runs as the user who enqueued it, not as whoever runs the queue',
    doc: 'Apex Developer Guide, Queueable Apex (the job runs in the context of the submitting user); Using the runAs Method',
    files: {
      Who: `public class Who implements Queueable {
  public void execute(QueueableContext ctx) { insert new Account(Name = UserInfo.getUserName()); }
}`
    },
    extra: STANDARD_USER,
    body: `User u = standardUser();
      Test.startTest();
      System.runAs(u) { System.enqueueJob(new Who()); }
      Test.stopTest();
      Assert.areEqual(1, [SELECT COUNT() FROM Account WHERE Name = 'std@conformance.example']);`,
    outcome: 'pass'
  },
  {
    name: "a Queueable's AsyncApexJob is created by the user who enqueued it",
    doc: 'Object Reference, AsyncApexJob: CreatedById is the user who submitted the job',
    files: { Job: QUEUEABLE },
    extra: STANDARD_USER,
    body: `User u = standardUser();
      Id jobId;
      Test.startTest();
      System.runAs(u) { jobId = System.enqueueJob(new Job()); }
      Test.stopTest();
      Assert.areEqual(u.Id, [SELECT CreatedById FROM AsyncApexJob WHERE Id = :jobId].CreatedById);`,
    outcome: 'pass'
  },
  {
    name: 'a second finalizer on one job is refused',
    doc: 'Apex Developer Guide, Transaction Finalizers: only one finalizer per Queueable job',
    files: { Finalized: FINALIZED, Fin: FIN },
    body: `Finalized f = new Finalized(); f.twice = true;
      Test.startTest(); Id jobId = System.enqueueJob(f); Test.stopTest();
      AsyncApexJob job = [SELECT Status, ExtendedStatus FROM AsyncApexJob WHERE Id = :jobId];
      Assert.areEqual('Failed', job.Status);
      Assert.isTrue(job.ExtendedStatus.contains('finalizer'), job.ExtendedStatus);
      Assert.areEqual(1, [SELECT COUNT() FROM Account WHERE Name = 'finalizer UNHANDLED_EXCEPTION']);`,
    outcome: 'pass'
  },
  {
    name: 'a @future method runs at stopTest',
    doc: 'Apex Developer Guide, Testing Future Methods',
    extra: '@future static void later(String n) { insert new Account(Name = n); }',
    body: `Test.startTest(); later('future'); Assert.areEqual(0, [SELECT COUNT() FROM Account]); Test.stopTest();
      Assert.areEqual(1, [SELECT COUNT() FROM Account WHERE Name = 'future']);`,
    outcome: 'pass'
  },
  {
    name: 'a @future method runs as the user who called it',
    doc: 'Apex Developer Guide, Future Methods; Using the runAs Method (asynchronous work runs as the submitting user)',
    extra: `@future static void later() { insert new Account(Name = UserInfo.getUserName()); }
${STANDARD_USER}`,
    body: `User u = standardUser();
      Test.startTest();
      System.runAs(u) { later(); }
      Test.stopTest();
      Assert.areEqual(1, [SELECT COUNT() FROM Account WHERE Name = 'std@conformance.example']);`,
    outcome: 'pass'
  },
  {
    name: 'a failing assertion fails the test with its message',
    doc: 'Apex Reference, Assert.areEqual(expected, actual, msg)',
    body: "Assert.areEqual(1, 2, 'one is two');",
    outcome: 'fail',
    message: 'System.AssertException: Assertion Failed: one is two'
  },
  {
    name: 'a null dereference fails the test',
    doc: 'Apex Developer Guide, Exception class: NullPointerException',
    body: 'String s; Integer n = s.length();',
    outcome: 'fail',
    message: 'System.NullPointerException: Attempt to de-reference a null object'
  },
  {
    name: 'an index past the end of a list fails the test',
    doc: 'Apex Developer Guide, Exception class: ListException',
    body: 'List<Integer> xs = new List<Integer>{ 1 }; Integer n = xs[3];',
    outcome: 'fail',
    message: 'System.ListException: List index out of bounds: 3'
  },
  {
    name: 'a loop that never ends is stopped by the step budget',
    doc: 'local runtime: a step budget stands in for the CPU limit, reported as a timeout naming the method',
    body: 'Integer i = 0; while (true) { i++; }',
    outcome: 'timeout'
  },
  // ---- triggers ("Triggers", "Trigger Context Variables")
  {
    name: 'a before-insert trigger changes the record before it is saved',
    doc: 'Apex Developer Guide, Triggers: before triggers update fields without DML',
    files: {
      'Up.trigger':
        'trigger Up on Account (before insert) { for (Account a : Trigger.new) { a.Name = a.Name.toUpperCase(); } }'
    },
    body: "insert new Account(Name = 'low'); Assert.areEqual('LOW', [SELECT Name FROM Account].Name);",
    outcome: 'pass'
  },
  {
    name: 'addError in a trigger fails the DML',
    doc: 'Apex Reference, SObject.addError: the DML fails with FIELD_CUSTOM_VALIDATION_EXCEPTION',
    files: {
      'No.trigger':
        "trigger No on Account (before insert) { for (Account a : Trigger.new) { a.addError('not today'); } }"
    },
    body: "insert new Account(Name = 'x');",
    outcome: 'fail',
    message:
      'System.DmlException: Insert failed. First exception on row 0; first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, not today'
  },
  {
    name: 'an after-update trigger sees old and new values',
    doc: 'Apex Developer Guide, Trigger Context Variables: Trigger.oldMap, Trigger.new',
    files: {
      'Diff.trigger': `trigger Diff on Account (after update) {
        for (Account a : Trigger.new) { System.debug(Trigger.oldMap.get(a.Id).Name + '>' + a.Name); }
      }`
    },
    body: "Account a = new Account(Name = 'old'); insert a; a.Name = 'new'; update a;",
    outcome: 'pass',
    debug: ['old>new']
  }
];

/** A project with a custom metadata type pair (Target__mdt, Rule__mdt with a metadata relationship) and Ledger__c. */
function smallProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'apex-platform-'));
  const w = (path: string, text: string): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const base = 'force-app/main/default';
  w(
    'sfdx-project.json',
    JSON.stringify({ packageDirectories: [{ path: 'force-app/main', default: true }], sourceApiVersion: '66.0' })
  );
  const obj = (label: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?><CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><label>${label}</label><pluralLabel>${label}s</pluralLabel><visibility>Public</visibility></CustomObject>`;
  w(`${base}/objects/Target__mdt/Target__mdt.object-meta.xml`, obj('Target'));
  w(`${base}/objects/Rule__mdt/Rule__mdt.object-meta.xml`, obj('Rule'));
  w(
    `${base}/objects/Rule__mdt/fields/Path__c.field-meta.xml`,
    '<?xml version="1.0" encoding="UTF-8"?><CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>Path__c</fullName><label>Path</label><length>80</length><type>Text</type></CustomField>'
  );
  w(
    `${base}/objects/Rule__mdt/fields/Target__c.field-meta.xml`,
    '<?xml version="1.0" encoding="UTF-8"?><CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>Target__c</fullName><label>Target</label><referenceTo>Target__mdt</referenceTo><relationshipLabel>Rules</relationshipLabel><relationshipName>Rules</relationshipName><type>MetadataRelationship</type></CustomField>'
  );
  const record = (label: string, values: Record<string, string>): string =>
    `<?xml version="1.0" encoding="UTF-8"?><CustomMetadata xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><label>${label}</label><protected>false</protected>${Object.entries(
      values
    )
      .map(([f, v]) => `<values><field>${f}</field><value xsi:type="xsd:string">${v}</value></values>`)
      .join('')}</CustomMetadata>`;
  // The rule files sort before the target's, so the relationship is resolved whatever the order.
  w(`${base}/customMetadata/Rule.First.md-meta.xml`, record('First', { Path__c: 'alpha', Target__c: 'Main' }));
  w(`${base}/customMetadata/Rule.Second.md-meta.xml`, record('Second', { Path__c: 'beta', Target__c: 'Main' }));
  w(`${base}/customMetadata/Target.Main.md-meta.xml`, record('Main', {}));
  w(
    `${base}/objects/Ledger__c/Ledger__c.object-meta.xml`,
    '<?xml version="1.0" encoding="UTF-8"?><CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><label>Ledger</label><pluralLabel>Ledgers</pluralLabel><nameField><label>Ledger Name</label><type>Text</type></nameField><deploymentStatus>Deployed</deploymentStatus><sharingModel>ReadWrite</sharingModel></CustomObject>'
  );
  w(
    `${base}/objects/Ledger__c/fields/Amount__c.field-meta.xml`,
    '<?xml version="1.0" encoding="UTF-8"?><CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>Amount__c</fullName><label>Amount</label><precision>18</precision><scale>2</scale><type>Number</type></CustomField>'
  );
  w(
    `${base}/objects/Ledger__c/fields/Code__c.field-meta.xml`,
    '<?xml version="1.0" encoding="UTF-8"?><CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>Code__c</fullName><label>Code</label><length>10</length><required>true</required><type>Text</type></CustomField>'
  );
  return root;
}

let project: string | undefined;

describe('Apex platform conformance (local org and test runner)', () => {
  for (const c of CASES) {
    it(`${c.name} [${c.doc}]`, () => {
      const cls = `@IsTest\nprivate class T {\n${c.extra ?? ''}\n@IsTest static void run() {\n${c.body}\n}\n}`;
      if (c.project && !project) project = smallProject();
      const report = runSources({ T: cls, ...(c.files ?? {}) }, { projectRoot: c.project ? project : undefined });
      const m = report.methods.find((x) => x.className === 'T');
      expect(m).toBeDefined();
      const seen = `${m!.outcome}: ${m!.message ?? ''}`;
      const want = `${c.outcome}: ${c.message ?? ''}`;
      expect(seen.slice(0, want.length)).toBe(want);
      if (c.debug) expect(m!.debug?.map((d) => d.replace(/^DEBUG\|/, ''))).toEqual(c.debug);
    });
  }

  it('runs each method in its own data, after the @TestSetup data', () => {
    const cls = `@IsTest private class Iso {
      @TestSetup static void make() { insert new Account(Name = 'shared'); }
      @IsTest static void a() { insert new Account(Name = 'a'); Assert.areEqual(2, [SELECT COUNT() FROM Account]); delete [SELECT Id FROM Account WHERE Name = 'shared']; }
      @IsTest static void b() { Assert.areEqual(1, [SELECT COUNT() FROM Account]); Assert.areEqual('shared', [SELECT Name FROM Account].Name); }
    }`;
    const report = runSources({ Iso: cls });
    expect(report.methods.map((m) => `${m.methodName}:${m.outcome}:${m.message ?? ''}`).sort()).toEqual([
      'a:pass:',
      'b:pass:'
    ]);
  });

  it('reports System.runAs with a User that was never inserted as unsupported, not as a platform error', () => {
    const cls = "@IsTest private class R { @IsTest static void run() { System.runAs(new User(LastName = 'x')) { } } }";
    const [m] = runSources({ R: cls }).methods;
    expect(m.outcome).toBe('unsupported');
    expect(m.message).toMatch(/unsupported: System\.runAs with a User that was not inserted .* at R\.cls:1/);
  });

  it('reports a feature the runtime lacks as unsupported, naming it and where', () => {
    const cls = "@IsTest private class U { @IsTest static void run() { Cache.Org.put('k', 1); } }";
    const [m] = runSources({ U: cls }).methods;
    expect(m.outcome).toBe('unsupported');
    expect(m.message).toMatch(/unsupported: .*Cache.* at U\.cls:1/);
  });

  it('reports a Queueable delay outside the documented 0-10 minutes as unsupported, not as a guessed error', () => {
    const cls = `@IsTest private class D {
      public class Job implements Queueable { public void execute(QueueableContext c) {} }
      @IsTest static void run() { System.enqueueJob(new Job(), 11); }
    }`;
    const [m] = runSources({ D: cls }).methods;
    expect(m.outcome).toBe('unsupported');
    expect(m.message).toMatch(/unsupported: a queueable delay of 11 minutes \(documented range 0-10\)/);
  });

  it('has at least 50 platform cases', () => expect(CASES.length + 3).toBeGreaterThanOrEqual(50));
});
