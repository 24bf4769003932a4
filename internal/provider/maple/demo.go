package maple

// DemoCompany is the sandbox's Maple company, the default of --sandbox.
const DemoCompany = "cmp_2SbxDemo0Co"

// Demo IDs, for commands and tests.
const (
	DemoCustomerAda   = "cus_2SbxAda0Lvl"
	DemoCustomerGrace = "cus_2SbxGrace0Hp"
	DemoPricingPro    = "pp_2SbxProMonth"
	DemoPricingTeam   = "pp_2SbxTeamYear"
	DemoPricingSetup  = "pp_2SbxSetupFee"
	DemoBundleStarter = "bp_2SbxStarterKit"
)
