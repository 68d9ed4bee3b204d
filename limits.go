package edgefn

// Limits are the quotas edgefn enforces. Defaults are AWS's published defaults
// (../shared/spec/runtime.md §4); every value is configurable.
type Limits struct {
	FunctionsPerAccount  int
	FunctionCodeBytes    int // 10 KB: counted in bytes (spec §9.12 left it open)
	KVSPerAccount        int
	KVSPerFunction       int
	FunctionsPerKVS      int
	KVSKeyBytes          int
	KVSValueBytes        int
	KVSStoreBytes        int64 // keys + values
	KVSBatchKeys         int   // keys per UpdateKeys
	KVSBatchBytes        int   // UpdateKeys payload
	KVSImportBytes       int64
	ListKeysMaxResults   int
	TestEventBytes       int
	DistributionsPerFunc int
	// Distributions and what one may hold.
	DistributionsPerAccount  int
	OriginsPerDistribution   int
	BehaviorsPerDistribution int
	AliasesPerDistribution   int
	OriginCustomHeaders      int
	// CachePoliciesPerAccount counts the account's own policies only.
	CachePoliciesPerAccount int
	// OriginRequestPoliciesPerAccount counts the account's own policies;
	// ORP* bound the names one lists.
	OriginRequestPoliciesPerAccount         int
	ORPHeaders, ORPCookies, ORPQueryStrings int
	// ResponseHeadersPoliciesPerAccount counts the account's own policies;
	// RHP* bound the custom and the removed headers of one.
	ResponseHeadersPoliciesPerAccount  int
	RHPCustomHeaders, RHPRemoveHeaders int
	// InvalidationPaths bounds the paths of one invalidation batch.
	InvalidationPaths int
}

// DefaultLimits returns AWS's default quotas.
func DefaultLimits() Limits {
	return Limits{
		FunctionsPerAccount:  100,
		FunctionCodeBytes:    10 * 1024,
		KVSPerAccount:        50,
		KVSPerFunction:       1,
		FunctionsPerKVS:      10,
		KVSKeyBytes:          512,
		KVSValueBytes:        1024,
		KVSStoreBytes:        5 * 1024 * 1024,
		KVSBatchKeys:         50,
		KVSBatchBytes:        3 * 1024 * 1024,
		KVSImportBytes:       5 * 1024 * 1024,
		ListKeysMaxResults:   50,
		TestEventBytes:       40960,
		DistributionsPerFunc: 100,

		DistributionsPerAccount:           500,
		OriginsPerDistribution:            100,
		BehaviorsPerDistribution:          75,
		AliasesPerDistribution:            100,
		OriginCustomHeaders:               10,
		CachePoliciesPerAccount:           20,
		OriginRequestPoliciesPerAccount:   20,
		ORPHeaders:                        10,
		ORPCookies:                        10,
		ORPQueryStrings:                   10,
		ResponseHeadersPoliciesPerAccount: 20,
		RHPCustomHeaders:                  10,
		RHPRemoveHeaders:                  10,
		InvalidationPaths:                 3000,
	}
}
