package scim

import (
	"net/http"
	"strings"

	"roster/shared/fault"
)

// Discovery (RFC 7644 §4): what the service supports, its schemas and
// its resource types, each built from the same tables the handlers use.

// serviceProviderConfig answers GET /ServiceProviderConfig.
func (s *server) serviceProviderConfig(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		WriteError(w, r, err)
		return
	}
	base := baseURL(r)
	encode(w, http.StatusOK, object{
		"schemas":          []any{SPCSchema},
		"documentationUri": "https://github.com/roster/roster#scim",
		"patch":            object{"supported": true},
		"bulk":             object{"supported": true, "maxOperations": maxBulkOperations, "maxPayloadSize": maxBulkBytes},
		"filter":           object{"supported": true, "maxResults": maxCount},
		"changePassword":   object{"supported": true},
		"sort":             object{"supported": true},
		"etag":             object{"supported": true},
		"authenticationSchemes": []any{object{
			"type": "oauthbearertoken", "name": "SCIM token", "primary": true,
			"description": "A tenant API key with the scim role, sent as Authorization: Bearer <token>.",
		}},
		"meta": object{"resourceType": "ServiceProviderConfig", "location": base + "/ServiceProviderConfig"},
	})
}

// noQuery refuses query parameters on a route that takes none.
func noQuery(r *http.Request) error {
	for k := range r.URL.Query() {
		return invalid(invalidValue, k, "is not a query parameter of this route")
	}
	return nil
}

// schemas are every schema the group serves, in the order /Schemas lists them.
var schemas = []*schema{&userSchema, &enterpriseSchema, &groupSchema}

// schemaResource is a schema as /Schemas shows it (RFC 7643 §7).
func schemaResource(sc *schema, base string) object {
	return object{
		"schemas": []any{SchemaURN}, "id": sc.ID, "name": sc.Name, "description": sc.Description,
		"attributes": attributeList(sc.Attributes),
		"meta":       object{"resourceType": "Schema", "location": base + "/Schemas/" + sc.ID},
	}
}

func attributeList(attrs []attribute) []any {
	out := make([]any, len(attrs))
	for i, a := range attrs {
		o := object{
			"name": a.Name, "type": a.Type, "multiValued": a.Multi, "required": a.Required,
			"caseExact": a.CaseExact, "mutability": cmpOr(a.Mutability, readWrite),
			"returned": cmpOr(a.Returned, returnedDefault), "uniqueness": cmpOr(a.Uniqueness, "none"),
		}
		if a.Description != "" {
			o["description"] = a.Description
		}
		if len(a.RefTypes) > 0 {
			refs := make([]any, len(a.RefTypes))
			for j, t := range a.RefTypes {
				refs[j] = t
			}
			o["referenceTypes"] = refs
		}
		if len(a.Sub) > 0 {
			o["subAttributes"] = attributeList(a.Sub)
		}
		out[i] = o
	}
	return out
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// listSchemas answers GET /Schemas.
func (s *server) listSchemas(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		WriteError(w, r, err)
		return
	}
	base := baseURL(r)
	list := make([]object, len(schemas))
	for i, sc := range schemas {
		list[i] = schemaResource(sc, base)
	}
	page(w, listQuery{Start: 1, Count: len(list)}, len(list), list)
}

// getSchema answers GET /Schemas/{id}.
func (s *server) getSchema(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		WriteError(w, r, err)
		return
	}
	for _, sc := range schemas {
		if strings.EqualFold(sc.ID, r.PathValue("id")) {
			encode(w, http.StatusOK, schemaResource(sc, baseURL(r)))
			return
		}
	}
	WriteError(w, r, fault.New(fault.NotFound, "No such schema."))
}

// resourceTypes are the group's resource types.
var resourceTypes = []*resourceType{&userType, &groupType}

func resourceTypeResource(rt *resourceType, base string) object {
	o := object{
		"schemas": []any{ResourceTypeURN}, "id": rt.Name, "name": rt.Name, "endpoint": rt.Endpoint,
		"description": rt.Schema.Description, "schema": rt.Schema.ID,
		"meta": object{"resourceType": "ResourceType", "location": base + "/ResourceTypes/" + rt.Name},
	}
	if len(rt.Extensions) > 0 {
		ext := make([]any, len(rt.Extensions))
		for i, e := range rt.Extensions {
			ext[i] = object{"schema": e.ID, "required": false}
		}
		o["schemaExtensions"] = ext
	}
	return o
}

// listResourceTypes answers GET /ResourceTypes.
func (s *server) listResourceTypes(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		WriteError(w, r, err)
		return
	}
	base := baseURL(r)
	list := make([]object, len(resourceTypes))
	for i, rt := range resourceTypes {
		list[i] = resourceTypeResource(rt, base)
	}
	page(w, listQuery{Start: 1, Count: len(list)}, len(list), list)
}

// getResourceType answers GET /ResourceTypes/{id}.
func (s *server) getResourceType(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		WriteError(w, r, err)
		return
	}
	for _, rt := range resourceTypes {
		if strings.EqualFold(rt.Name, r.PathValue("id")) {
			encode(w, http.StatusOK, resourceTypeResource(rt, baseURL(r)))
			return
		}
	}
	WriteError(w, r, fault.New(fault.NotFound, "No such resource type."))
}
