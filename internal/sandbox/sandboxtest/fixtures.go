package sandboxtest

// TestCustomers are added to the demo catalogue of every API, so that
// tests can name short customers (cus_1…) that the sandbox then knows, as
// a real account would; each API's kit adds the other records its creates
// name (plan versions, companies, pricings: plv_1, cmp_1, pp_1…). IDs the
// catalogue lacks (cus_nobody, plv_nope) are refused as the servers do.
var (
	TestCustomers = []string{
		"cus_1", "cus_2", "cus_3", "cus_4", "cus_5", "cus_6", "cus_7", "cus_8", "cus_9", "cus_10", "cus_11",
		"cus_a", "cus_b", "cus_c", "cus_m", "cus_x", "cus_y", "cus_z",
		"cus_awaiting", "cus_completed", "cus_expired", "cus_nourl",
		"cus_7n42DGM5Tflk9n8mt7Fhc7", // the examples' and testdata/requests' customer
	}
)
