/**
 * What the apex-ls field lists do not say about the standard objects the product touches: key prefix, which DML
 * calls the object supports, required fields, read-only fields, defaults, display types, lengths and picklists.
 * Each object names its source (Object Reference pages, https://developer.salesforce.com/docs/platform/
 * object-reference/references/standard-objects/object-<name>.html, or the older sforce_api_objects_<name>.htm).
 * Anything marked UNCONFIRMED is long-standing platform behaviour not found verbatim in the docs searched.
 *
 * Objects not listed here are queryable (their fields come from the jar) but DML on them is unsupported.
 */
export type DmlCall = 'create' | 'update' | 'delete' | 'undelete';

export interface PicklistFact {
  values: string[];
  restricted: boolean;
  defaultValue?: string;
}

export interface StandardObjectFacts {
  source: string;
  keyPrefix: string;
  label: string;
  /** Setup object for MIXED_DML_OPERATION (Apex Developer Guide, "sObjects That Cannot Be Used Together in DML Operations"). */
  setup?: boolean;
  calls: DmlCall[];
  /** Not nillable and not defaulted on create: REQUIRED_FIELD_MISSING when blank on insert. */
  required?: string[];
  /** Neither createable nor updateable (computed or system-maintained). */
  readOnly?: string[];
  /** Createable but not updateable. */
  createOnly?: string[];
  /** "Defaulted on create" values. Boolean fields default to false unless listed. */
  defaults?: Record<string, string | boolean | number>;
  /** Display types finer than the Apex type (EMAIL, PICKLIST, PHONE, URL, TEXTAREA, COMBOBOX, REFERENCE...). */
  types?: Record<string, string>;
  lengths?: Record<string, number>;
  picklists?: Record<string, PicklistFact>;
  /** Lookups whose targets the jar cannot name (polymorphic ones are typed SObject there). */
  references?: Record<string, string[]>;
  /** Child relationship name -> field on the child, when the child has several lookups to the parent. */
  childFields?: Record<string, string>;
}

const SYSTEM_CALLS: DmlCall[] = [];

export const STANDARD_FACTS: Record<string, StandardObjectFacts> = {
  User: {
    source: 'OBJ object-user (sforce_api_objects_user.htm); required fields: "Required fields are missing" on insert',
    keyPrefix: '005',
    label: 'User',
    setup: true,
    // Users cannot be deleted, only deactivated.
    calls: ['create', 'update'],
    required: [
      'Username',
      'LastName',
      'Email',
      'Alias',
      'TimeZoneSidKey',
      'LocaleSidKey',
      'EmailEncodingKey',
      'ProfileId',
      'LanguageLocaleKey'
    ],
    readOnly: [
      'Name',
      'LastLoginDate',
      'LastPasswordChangeDate',
      'NumberOfFailedLogins',
      'FullPhotoUrl',
      'SmallPhotoUrl',
      'MediumPhotoUrl',
      'BannerPhotoUrl',
      'SmallBannerPhotoUrl',
      'MediumBannerPhotoUrl',
      'IsProfilePhotoActive',
      'Address',
      'UserType',
      'LastViewedDate',
      'LastReferencedDate',
      'OfflineTrialExpirationDate',
      'OfflinePdaTrialExpirationDate',
      'AccountId'
    ],
    defaults: { IsActive: true },
    types: {
      Email: 'EMAIL',
      SenderEmail: 'EMAIL',
      Phone: 'PHONE',
      MobilePhone: 'PHONE',
      Fax: 'PHONE',
      TimeZoneSidKey: 'PICKLIST',
      LocaleSidKey: 'PICKLIST',
      LanguageLocaleKey: 'PICKLIST',
      EmailEncodingKey: 'PICKLIST',
      UserType: 'PICKLIST',
      AboutMe: 'TEXTAREA',
      Street: 'TEXTAREA',
      ProfileId: 'REFERENCE',
      ManagerId: 'REFERENCE',
      UserRoleId: 'REFERENCE'
    },
    lengths: {
      Username: 80,
      LastName: 80,
      FirstName: 40,
      MiddleName: 40,
      Alias: 8,
      Email: 128,
      CommunityNickname: 40,
      FederationIdentifier: 512,
      Title: 80,
      Department: 80,
      Division: 80,
      CompanyName: 80,
      EmployeeNumber: 20,
      Phone: 40,
      MobilePhone: 40,
      Extension: 40,
      Street: 255,
      City: 40,
      State: 80,
      PostalCode: 20,
      Country: 80,
      Name: 121
    },
    picklists: {
      // UserType: values documented in the Object Reference (Standard, PowerPartner, CsnOnly, ...).
      UserType: {
        values: [
          'Standard',
          'PowerPartner',
          'PowerCustomerSuccess',
          'CustomerSuccess',
          'Guest',
          'CspLitePortal',
          'CsnOnly',
          'SelfService'
        ],
        restricted: true
      }
    },
    references: { DelegatedApproverId: ['Group', 'User'] },
    childFields: { PermissionSetAssignments: 'AssigneeId', GroupMembers: 'UserOrGroupId' }
  },
  Profile: {
    source: 'OBJ object-profile (sforce_api_objects_profile.htm)',
    keyPrefix: '00e',
    label: 'Profile',
    setup: true,
    // Profiles are metadata; the product only reads them. DML on Profile is not modelled.
    calls: SYSTEM_CALLS,
    required: ['Name'],
    readOnly: ['UserType', 'UserLicenseId'],
    lengths: { Name: 255, Description: 255 }
  },
  PermissionSet: {
    source:
      'OBJ object-permissionset; Tooling API PermissionSet (Label, Name; IsOwnedByProfile/IsCustom defaulted on create)',
    keyPrefix: '0PS',
    label: 'Permission Set',
    setup: true,
    calls: ['create', 'update', 'delete'],
    required: ['Name', 'Label'],
    readOnly: ['IsOwnedByProfile', 'ProfileId', 'IsCustom', 'NamespacePrefix', 'Type'],
    defaults: { IsOwnedByProfile: false, IsCustom: true, HasActivationRequired: false },
    types: { Description: 'TEXTAREA' },
    lengths: { Name: 80, Label: 80, Description: 255 }
  },
  PermissionSetAssignment: {
    source:
      'OBJ object-permissionsetassignment (AssigneeId, PermissionSetId: Create; to change delete and insert; IsActive defaulted on create)',
    keyPrefix: '0Pa',
    label: 'Permission Set Assignment',
    setup: true,
    calls: ['create', 'update', 'delete'],
    required: ['AssigneeId'],
    createOnly: ['AssigneeId', 'PermissionSetId', 'PermissionSetGroupId'],
    readOnly: ['IsActive'],
    // The doc says IsActive defaults to false; assignments without ExpirationDate are active (UNCONFIRMED).
    defaults: { IsActive: true, IsRevoked: false },
    types: { AssigneeId: 'REFERENCE', PermissionSetId: 'REFERENCE', PermissionSetGroupId: 'REFERENCE' }
  },
  PermissionSetGroup: {
    source: 'OBJ object-permissionsetgroup (API 45.0; DeveloperName, MasterLabel; Status values UNCONFIRMED)',
    keyPrefix: '0PG',
    label: 'Permission Set Group',
    setup: true,
    calls: ['create', 'update', 'delete'],
    required: ['DeveloperName', 'MasterLabel'],
    readOnly: ['Status', 'NamespacePrefix'],
    defaults: { Status: 'Updated', HasActivationRequired: false },
    lengths: { DeveloperName: 80, MasterLabel: 80, Description: 255 },
    picklists: { Status: { values: ['Updated', 'Outdated', 'Updating', 'Failed'], restricted: true } }
  },
  PermissionSetGroupComponent: {
    source: 'OBJ object-permissionsetgroupcomponent (key prefix UNCONFIRMED)',
    keyPrefix: '0PH',
    label: 'Permission Set Group Component',
    setup: true,
    calls: ['create', 'delete'],
    required: ['PermissionSetGroupId', 'PermissionSetId'],
    createOnly: ['PermissionSetGroupId', 'PermissionSetId']
  },
  Group: {
    source:
      'OBJ object-group (Name required; Type defaulted Regular); DEV apex_dml_non_mix_sobjects (insert/update mixable)',
    keyPrefix: '00G',
    label: 'Group',
    setup: true,
    calls: ['create', 'update', 'delete'],
    required: ['Name'],
    readOnly: ['RelatedId', 'OwnerId'],
    defaults: { Type: 'Regular', DoesIncludeBosses: true, DoesSendEmailToMembers: false },
    lengths: { Name: 40, DeveloperName: 80, Email: 255 },
    types: { Email: 'EMAIL' },
    picklists: {
      Type: {
        values: [
          'Regular',
          'Queue',
          'Role',
          'RoleAndSubordinates',
          'RoleAndSubordinatesInternal',
          'Organization',
          'Territory',
          'TerritoryAndSubordinates',
          'Manager',
          'ManagerAndSubordinatesInternal',
          'AllCustomerPortal',
          'PRMOrganization',
          'CollaborationGroup'
        ],
        restricted: true,
        defaultValue: 'Regular'
      }
    },
    references: { OwnerId: ['User', 'Organization'], RelatedId: ['User', 'UserRole'] },
    childFields: { GroupMembers: 'GroupId' }
  },
  GroupMember: {
    source: 'OBJ object-groupmember (GroupId, UserOrGroupId: Create; create, delete)',
    keyPrefix: '011',
    label: 'Group Member',
    setup: true,
    calls: ['create', 'delete'],
    required: ['GroupId', 'UserOrGroupId'],
    createOnly: ['GroupId', 'UserOrGroupId'],
    references: { UserOrGroupId: ['User', 'Group'] }
  },
  UserRole: {
    source: 'OBJ object-userrole',
    keyPrefix: '00E',
    label: 'Role',
    setup: true,
    calls: ['create', 'update', 'delete'],
    required: ['Name'],
    lengths: { Name: 80, DeveloperName: 80 }
  },
  UserLogin: {
    source: 'OBJ object-userlogin (API 29.0; update only; UserId not updatable; key prefix UNCONFIRMED)',
    keyPrefix: '060',
    label: 'User Login',
    // Not in the documented mixed-DML list; treated like User (docs/ref-apex.md, UNCONFIRMED).
    setup: true,
    calls: ['update'],
    readOnly: ['UserId'],
    defaults: { IsFrozen: false, IsPasswordLocked: false }
  },
  Organization: {
    source: 'OBJ object-organization',
    keyPrefix: '00D',
    label: 'Organization',
    setup: true,
    calls: SYSTEM_CALLS,
    types: { TimeZoneSidKey: 'PICKLIST', OrganizationType: 'PICKLIST' }
  },
  AsyncApexJob: {
    source: 'OBJ object-asyncapexjob (query only; Status, JobType picklists)',
    keyPrefix: '707',
    label: 'Apex Job',
    calls: SYSTEM_CALLS,
    picklists: {
      Status: {
        values: ['Holding', 'Queued', 'Preparing', 'Processing', 'Aborted', 'Completed', 'Failed'],
        restricted: true
      },
      JobType: {
        values: [
          'Future',
          'SharingRecalculation',
          'ScheduledApex',
          'BatchApex',
          'BatchApexWorker',
          'TestRequest',
          'TestWorker',
          'ApexToken',
          'Queueable'
        ],
        restricted: true
      }
    }
  },
  CronTrigger: {
    source: 'OBJ object-crontrigger (query only; abort with System.abortJob)',
    keyPrefix: '08e',
    label: 'Scheduled Jobs',
    calls: SYSTEM_CALLS,
    picklists: {
      State: {
        values: [
          'WAITING',
          'ACQUIRED',
          'EXECUTING',
          'COMPLETE',
          'ERROR',
          'DELETED',
          'PAUSED',
          'BLOCKED',
          'PAUSED_BLOCKED'
        ],
        restricted: true
      }
    }
  },
  CronJobDetail: {
    source: 'OBJ object-cronjobdetail (JobType 7 = Scheduled Apex)',
    keyPrefix: '08a',
    label: 'Cron Job',
    calls: SYSTEM_CALLS
  },
  ApexClass: {
    source: 'OBJ object-apexclass (Tooling/SOAP; rows built from the project classes)',
    keyPrefix: '01p',
    label: 'Apex Class',
    calls: SYSTEM_CALLS
  },
  StaticResource: {
    source: 'OBJ object-staticresource (rows built from the project staticresources folders)',
    keyPrefix: '081',
    label: 'Static Resource',
    calls: SYSTEM_CALLS
  },
  ConnectedApplication: {
    source: 'OBJ object-connectedapplication (query only; tests create one via UserProvisioning.ConnectorTestUtil)',
    keyPrefix: '0H4',
    label: 'Connected App',
    calls: SYSTEM_CALLS
  },
  UserProvAccount: {
    source: 'OBJ object-userprovaccount (LinkState, Status restricted picklists; key prefix UNCONFIRMED)',
    keyPrefix: '0Hy',
    label: 'User Provisioning Account',
    calls: ['create', 'update', 'delete', 'undelete'],
    required: ['Name'],
    picklists: {
      LinkState: { values: ['linked', 'duplicate', 'orphaned', 'ignored'], restricted: true },
      // Status values UNCONFIRMED beyond the doc's "active", "deactivated", "deleted".
      Status: { values: ['active', 'deactivated', 'deleted'], restricted: true }
    },
    references: { ConnectedAppId: ['ConnectedApplication'] }
  },
  UserProvAccountStaging: {
    source:
      'OBJ object-userprovaccountstaging (API 33.0; Name: not nillable; LinkState, Status restricted picklists as on UserProvAccount; key prefix UNCONFIRMED)',
    keyPrefix: '0HT',
    label: 'User Provisioning Account Staging',
    calls: ['create', 'update', 'delete', 'undelete'],
    required: ['Name'],
    lengths: { Name: 255 },
    picklists: {
      LinkState: { values: ['linked', 'duplicate', 'orphaned', 'ignored'], restricted: true },
      Status: { values: ['active', 'deactivated', 'deleted'], restricted: true }
    },
    references: { ConnectedAppId: ['ConnectedApplication'] }
  },
  UserProvisioningRequest: {
    source:
      'OBJ object-userprovisioningrequest (API 31.0; ApprovalStatus, State, Operation restricted picklists; Name autonumber; key prefix UNCONFIRMED)',
    keyPrefix: '0Hs',
    label: 'User Provisioning Request',
    calls: ['create', 'update', 'delete', 'undelete'],
    readOnly: ['Name'],
    lengths: { AppName: 150, ExternalUserId: 150 },
    picklists: {
      ApprovalStatus: { values: ['Required', 'NotRequired', 'Approved', 'Denied'], restricted: true },
      // State and Operation value lists UNCONFIRMED (the doc search returned only their headings).
      State: {
        values: [
          'New',
          'Collecting',
          'Collected',
          'Analyzing',
          'Analyzed',
          'Provisioning',
          'Waiting',
          'Completed',
          'Failed',
          'Killed',
          'Ignored'
        ],
        restricted: false
      },
      Operation: {
        values: ['Create', 'Read', 'Update', 'Deactivate', 'Activate', 'Freeze', 'Unfreeze', 'Reconcile', 'Linking'],
        restricted: false
      }
    },
    references: { ConnectedAppId: ['ConnectedApplication'] }
  },
  UserProvisioningLog: {
    source: 'OBJ object-userprovisioninglog (key prefix UNCONFIRMED)',
    keyPrefix: '0HX',
    label: 'User Provisioning Log',
    calls: ['create', 'update', 'delete'],
    types: { Details: 'TEXTAREA' }
  },
  UserProvisioningConfig: {
    source: 'OBJ object-userprovisioningconfig (key prefix UNCONFIRMED)',
    keyPrefix: '0Hv',
    label: 'User Provisioning Config',
    calls: ['create', 'update', 'delete'],
    required: ['DeveloperName', 'MasterLabel'],
    references: { ConnectedAppId: ['ConnectedApplication'] }
  },
  Account: {
    source: 'OBJ object-account (Name required)',
    keyPrefix: '001',
    label: 'Account',
    calls: ['create', 'update', 'delete', 'undelete'],
    required: ['Name'],
    lengths: { Name: 255 }
  },
  Contact: {
    source: 'OBJ object-contact (LastName required)',
    keyPrefix: '003',
    label: 'Contact',
    calls: ['create', 'update', 'delete', 'undelete'],
    required: ['LastName'],
    lengths: { LastName: 80, FirstName: 40 },
    types: { Email: 'EMAIL' }
  }
};

/** System fields every object has, never writeable through Apex (Test.setCreatedDate aside). */
export const SYSTEM_FIELDS = new Set(
  [
    'CreatedDate',
    'CreatedById',
    'LastModifiedDate',
    'LastModifiedById',
    'SystemModstamp',
    'IsDeleted',
    'LastViewedDate',
    'LastReferencedDate',
    'LastActivityDate'
  ].map((f) => f.toLowerCase())
);
