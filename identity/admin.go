package identity

// AdminScope is the API-key scope of the admin endpoints (as package
// access's; a key with "rpc" also passes).
const AdminScope = "admin"
