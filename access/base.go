package access

// baseACL is the part of Odoo's base/security/ir.model.access.csv that
// covers the models rampart itself declares for reflection. As in Odoo 19,
// ir.model, ir.model.fields and ir.model.data are read by administrators
// only (base.group_erp_manager, implied by base.group_system); internal
// users get fields_get (no ACL), ir.model.get_available_models and
// ir.model.data.check_object_reference (which look up with the server's
// rights and check the caller's on the result). Nobody gets more than
// read: the rows are derived from the registry at start-up. ir.sequence
// is as in Odoo: read for internal users, managed by administrators;
// countries, states and currencies are readable by everyone (Odoo's rows
// without a group) and managed by administrators.
const baseACL = `id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink
access_ir_model_group_erp_manager,ir_model group_erp_manager,model_ir_model,base.group_erp_manager,1,0,0,0
access_ir_model_fields_group_erp_manager,ir_model_fields group_erp_manager,model_ir_model_fields,base.group_erp_manager,1,0,0,0
access_ir_model_data_group_erp_manager,ir_model_data group_erp_manager,model_ir_model_data,base.group_erp_manager,1,0,0,0
access_ir_sequence_group_user,ir_sequence group_user,model_ir_sequence,base.group_user,1,0,0,0
access_ir_sequence_group_system,ir_sequence group_system,model_ir_sequence,base.group_system,1,1,1,1
access_res_country_group_all,res_country group_user_all,model_res_country,,1,0,0,0
access_res_country_state_group_all,res_country_state group_user_all,model_res_country_state,,1,0,0,0
access_res_currency_group_all,res_currency group_all,model_res_currency,,1,0,0,0
access_res_country_group_system,res_country group_system,model_res_country,base.group_system,1,1,1,1
access_res_country_state_group_system,res_country_state group_system,model_res_country_state,base.group_system,1,1,1,1
access_res_currency_group_system,res_currency group_system,model_res_currency,base.group_system,1,1,1,1
`

// loadBase loads baseACL; rows whose model the registry does not declare
// are skipped like any file's.
func (l *Loader) loadBase() { l.Load("base", "base/ir.model.access.csv", []byte(baseACL)) }
