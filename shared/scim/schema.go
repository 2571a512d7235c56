package scim

import "strings"

// The schema URNs of RFC 7643 and RFC 7644 the group speaks.
const (
	UserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	EnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	GroupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	ListSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	ErrorSchema      = "urn:ietf:params:scim:api:messages:2.0:Error"
	PatchSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SearchSchema     = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	BulkRequest      = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	BulkResponse     = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	SPCSchema        = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	ResourceTypeURN  = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaURN        = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// The attribute types, mutabilities and returned rules of RFC 7643 §7
// the schemas below use.
const (
	typeString    = "string"
	typeBoolean   = "boolean"
	typeComplex   = "complex"
	typeReference = "reference"
	typeDateTime  = "dateTime"

	readWrite = "readWrite"
	readOnly  = "readOnly"
	writeOnly = "writeOnly"

	returnedDefault = "default"
	returnedAlways  = "always"
	returnedNever   = "never"
)

// attribute describes one attribute of a schema: what /Schemas shows, and
// what decoding, filtering, sorting and PATCH go by (its type, whether it
// is multi-valued, whether its values compare case-exactly, whether a
// client may write it). One table drives all of them.
type attribute struct {
	Name        string
	Type        string
	Multi       bool
	Sub         []attribute
	CaseExact   bool
	Mutability  string // "" means readWrite
	Returned    string // "" means default
	Uniqueness  string // "" means none
	Required    bool
	Description string
	RefTypes    []string
}

// schema is a resource schema or extension.
type schema struct {
	ID          string
	Name        string
	Description string
	Attributes  []attribute
}

// find returns the attribute named name, case-insensitively (RFC 7643
// §2.1: attribute names are case-insensitive), or nil.
func find(attrs []attribute, name string) *attribute {
	for i := range attrs {
		if strings.EqualFold(attrs[i].Name, name) {
			return &attrs[i]
		}
	}
	return nil
}

func (a *attribute) mutable() bool { return a.Mutability != readOnly }

// Sub-attribute lists shared by several attributes.
var (
	contactSub = []attribute{
		{Name: "value", Type: typeString, Description: "The value, such as an address or a number."},
		{Name: "display", Type: typeString, Description: "A human-readable name, for display only."},
		{Name: "type", Type: typeString, Description: "A label such as work, home or mobile."},
		{Name: "primary", Type: typeBoolean, Description: "Whether this is the primary value; at most one is."},
	}
	addressSub = []attribute{
		{Name: "formatted", Type: typeString}, {Name: "streetAddress", Type: typeString},
		{Name: "locality", Type: typeString}, {Name: "region", Type: typeString},
		{Name: "postalCode", Type: typeString}, {Name: "country", Type: typeString},
		{Name: "type", Type: typeString}, {Name: "primary", Type: typeBoolean},
	}
	metaAttr = attribute{Name: "meta", Type: typeComplex, Mutability: readOnly, Description: "Resource metadata.", Sub: []attribute{
		{Name: "resourceType", Type: typeString, CaseExact: true, Mutability: readOnly},
		{Name: "created", Type: typeDateTime, Mutability: readOnly},
		{Name: "lastModified", Type: typeDateTime, Mutability: readOnly},
		{Name: "location", Type: typeReference, CaseExact: true, Mutability: readOnly},
		{Name: "version", Type: typeString, CaseExact: true, Mutability: readOnly},
	}}
	idAttr = attribute{Name: "id", Type: typeString, CaseExact: true, Mutability: readOnly, Returned: returnedAlways,
		Uniqueness: "server", Description: "The resource's id, issued by Roster."}
	externalIDAttr = attribute{Name: "externalId", Type: typeString, CaseExact: true,
		Description: "The client's id of the resource; for users, the same external id as event provisioning's, unique in the tenant."}
)

// userSchema is the core User schema as Roster holds it: every attribute
// here is stored and read back; the RFC's others (ims, photos,
// entitlements, roles, x509Certificates) are refused.
var userSchema = schema{ID: UserSchema, Name: "User", Description: "User Account", Attributes: []attribute{
	{Name: "userName", Type: typeString, Required: true, Uniqueness: "server",
		Description: "Unique login name in the tenant, case-insensitively; the username of every other API."},
	{Name: "name", Type: typeComplex, Description: "The person's name.", Sub: []attribute{
		{Name: "formatted", Type: typeString, Description: "The full name; Roster derives it from the parts and ignores what is sent."},
		{Name: "familyName", Type: typeString}, {Name: "givenName", Type: typeString},
		{Name: "middleName", Type: typeString}, {Name: "honorificPrefix", Type: typeString},
		{Name: "honorificSuffix", Type: typeString},
	}},
	{Name: "displayName", Type: typeString},
	{Name: "nickName", Type: typeString},
	{Name: "profileUrl", Type: typeReference, RefTypes: []string{"external"}},
	{Name: "title", Type: typeString},
	{Name: "userType", Type: typeString},
	{Name: "preferredLanguage", Type: typeString},
	{Name: "locale", Type: typeString},
	{Name: "timezone", Type: typeString},
	{Name: "active", Type: typeBoolean, Description: "false deactivates: the user cannot log in and their tokens stop."},
	{Name: "password", Type: typeString, Mutability: writeOnly, Returned: returnedNever,
		Description: "Sets the person's password (the policy applies); never returned."},
	{Name: "emails", Type: typeComplex, Multi: true, Sub: contactSub,
		Description: "Email addresses; the primary one (or the only one) is the user's email, unique in the tenant."},
	{Name: "phoneNumbers", Type: typeComplex, Multi: true, Sub: contactSub},
	{Name: "addresses", Type: typeComplex, Multi: true, Sub: addressSub},
	{Name: "groups", Type: typeComplex, Multi: true, Mutability: readOnly,
		Description: "The groups the user is in; change them through the Groups resource.", Sub: []attribute{
			{Name: "value", Type: typeString, CaseExact: true, Mutability: readOnly},
			{Name: "$ref", Type: typeReference, CaseExact: true, Mutability: readOnly, RefTypes: []string{"Group"}},
			{Name: "display", Type: typeString, Mutability: readOnly},
			{Name: "type", Type: typeString, Mutability: readOnly},
		}},
}}

// enterpriseSchema is the Enterprise User extension (RFC 7643 §4.3).
var enterpriseSchema = schema{ID: EnterpriseSchema, Name: "EnterpriseUser", Description: "Enterprise User", Attributes: []attribute{
	{Name: "employeeNumber", Type: typeString}, {Name: "costCenter", Type: typeString},
	{Name: "organization", Type: typeString}, {Name: "division", Type: typeString},
	{Name: "department", Type: typeString},
	{Name: "manager", Type: typeComplex, Sub: []attribute{
		{Name: "value", Type: typeString, CaseExact: true, Description: "The manager's user id."},
		{Name: "$ref", Type: typeReference, CaseExact: true, Mutability: readOnly, RefTypes: []string{"User"}},
		{Name: "displayName", Type: typeString, Mutability: readOnly},
	}},
}}

// groupSchema is the core Group schema.
var groupSchema = schema{ID: GroupSchema, Name: "Group", Description: "Group", Attributes: []attribute{
	{Name: "displayName", Type: typeString, Required: true, Uniqueness: "server",
		Description: "The group's name, unique in the tenant case-insensitively."},
	{Name: "members", Type: typeComplex, Multi: true, Description: "The group's users.", Sub: []attribute{
		{Name: "value", Type: typeString, CaseExact: true, Mutability: "immutable"},
		{Name: "$ref", Type: typeReference, CaseExact: true, Mutability: "immutable", RefTypes: []string{"User"}},
		{Name: "display", Type: typeString, Mutability: readOnly, Returned: returnedNever},
		{Name: "type", Type: typeString, Mutability: readOnly, Returned: returnedNever},
	}},
}}

// common are the attributes every resource has beside its schema's.
var common = []attribute{idAttr, externalIDAttr, metaAttr}

// resourceType describes one of the group's resources: its endpoint, its
// schema and the extensions it takes.
type resourceType struct {
	Name       string
	Endpoint   string
	Schema     *schema
	Extensions []*schema
}

var (
	userType  = resourceType{Name: "User", Endpoint: "/Users", Schema: &userSchema, Extensions: []*schema{&enterpriseSchema}}
	groupType = resourceType{Name: "Group", Endpoint: "/Groups", Schema: &groupSchema}
)

// lookup resolves a top-level attribute name of rt (with or without its
// schema URN as a prefix) to its attribute and the extension schema it is
// in ("" for the core schema). An extension's URN alone names the whole
// extension: attr is nil and ext is set.
func (rt *resourceType) lookup(uri, name string) (attr *attribute, ext string, ok bool) {
	switch {
	case uri == "" || strings.EqualFold(uri, rt.Schema.ID):
		if a := find(rt.Schema.Attributes, name); a != nil {
			return a, "", true
		}
		if a := find(common, name); a != nil {
			return a, "", true
		}
		for _, e := range rt.Extensions {
			if uri == "" && strings.EqualFold(name, e.ID) {
				return nil, e.ID, true
			}
		}
	default:
		for _, e := range rt.Extensions {
			if strings.EqualFold(uri, e.ID) {
				if a := find(e.Attributes, name); a != nil {
					return a, e.ID, true
				}
			}
		}
	}
	return nil, "", false
}

// extension returns rt's extension schema with the URN id, case-insensitively.
func (rt *resourceType) extension(id string) *schema {
	for _, e := range rt.Extensions {
		if strings.EqualFold(e.ID, id) {
			return e
		}
	}
	return nil
}
