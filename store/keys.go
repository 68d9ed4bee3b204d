package store

import (
	"strings"

	"github.com/edgefn/edgefn"
)

// Key layout. Every key but the replicated prefixes' first segment starts with
// the account, so nothing of one account is addressable from another. Account
// ids, names and store ids never contain '/'; item keys may, and come last.
//
//	fd/<account>/<name>           DEVELOPMENT copy (functionRecord)
//	fl/<account>/<name>           LIVE copy (functionRecord)
//	fu/<account>/<name>           distributions using the function (users)
//	cd/, cl/, cu/<account>/<name> the same for connection functions
//	ci/<account>/<id>             connection function id -> name
//	k/<account>/<id>/m            store resource (storeRecord); ETag = ModRev
//	k/<account>/<id>/s            store contents totals (statsRecord); DataETag = ModRev
//	k/<account>/<id>/i/<key>      item value, raw
//	kn/<account>/<name>           store name -> id
//	ku/<account>/<id>             function copies using the store (users)
//	n/<account>/<kind>            count of resources, so concurrent creates conflict
//	d/<account>/<id>              distribution (distributionRecord); ETag = ModRev
//	dc/<account>/<reference>      distribution CallerReference -> id
//	dt/<account>/<id>             distribution tags, apart so tagging keeps the ETag
//	ft/<account>/<name>           function tags
//	kt/<account>/<id>             key value store tags
//	da/<alias>                    alias (CNAME) -> "<account>/<id>"; global, as the
//	                              edge routes a Host to one distribution of any account
//	dg/<registrable domain>       empty; rewritten by every alias claim or release
//	                              under the domain, so overlap checks conflict (alias.go)
//	cp/<account>/<id>             cache policy (cachePolicyRecord); ETag = ModRev
//	cpn/<account>/<name>          cache policy name -> id
//	cpu/<account>/<id>            distributions using the policy (users)
//	op/<account>/<id>             origin request policy (policyRecord); ETag = ModRev
//	opn/<account>/<name>          origin request policy name -> id
//	opu/<account>/<id>            distributions using the policy (users)
//	rp/<account>/<id>             response headers policy (policyRecord); ETag = ModRev
//	rpn/<account>/<name>          response headers policy name -> id
//	rpu/<account>/<id>            distributions using the policy (users)
//	iv/<account>/<dist>/<id>      invalidation (invalidationRecord); its ModRev is
//	                              the revision the edges invalidate from
//	ivc/<account>/<dist>/<ref>    invalidation CallerReference -> id
//
// Follow replicates fl/, k/, d/, cp/, op/, rp/ and iv/; a new replicated kind gets its
// own prefix here and a case in decode.
const (
	prefixDev        = "fd/"
	prefixLive       = "fl/"
	prefixFuncUsers  = "fu/"
	prefixConnDev    = "cd/"
	prefixConnLive   = "cl/"
	prefixConnUsers  = "cu/"
	prefixConnID     = "ci/"
	prefixStore      = "k/"
	prefixStoreName  = "kn/"
	prefixStoreUsers = "ku/"
	prefixCount      = "n/"
	prefixDist       = "d/"
	prefixDistRef    = "dc/"
	prefixDistTags   = "dt/"
	prefixFuncTags   = "ft/"
	prefixStoreTags  = "kt/"
	prefixAlias      = "da/"
	prefixAliasGuard = "dg/"
	prefixPolicy     = "cp/"
	prefixPolicyName = "cpn/"
	prefixPolicyUser = "cpu/"
	prefixORP        = "op/"
	prefixORPName    = "opn/"
	prefixORPUser    = "opu/"
	prefixRHP        = "rp/"
	prefixRHPName    = "rpn/"
	prefixRHPUser    = "rpu/"
	prefixInval      = "iv/"
	prefixInvalRef   = "ivc/"

	suffixMeta  = "m"
	suffixStats = "s"
	infixItem   = "i/"
)

// Counter names under prefixCount.
const (
	countFunctions     = "functions"
	countConnFunctions = "connection-functions"
	countStores        = "stores"
	countDists         = "distributions"
	countPolicies      = "cache-policies"
	countORPs          = "origin-request-policies"
	countRHPs          = "response-headers-policies"
)

func functionKey(account, name string, stage edgefn.Stage) string {
	return viewerFunctions.key(account, name, stage)
}

func functionUsersKey(account, name string) string {
	return viewerFunctions.usersKey(account, name)
}

func storePrefix(account, id string) string  { return prefixStore + account + "/" + id + "/" }
func storeKey(account, id string) string     { return storePrefix(account, id) + suffixMeta }
func statsKey(account, id string) string     { return storePrefix(account, id) + suffixStats }
func itemPrefix(account, id string) string   { return storePrefix(account, id) + infixItem }
func itemKey(account, id, key string) string { return itemPrefix(account, id) + key }

func storeNameKey(account, name string) string {
	return prefixStoreName + account + "/" + name
}

func storeUsersKey(account, id string) string {
	return prefixStoreUsers + account + "/" + id
}

func distKey(account, id string) string { return prefixDist + account + "/" + id }

func distRefKey(account, ref string) string { return prefixDistRef + account + "/" + ref }

func distTagsKey(account, id string) string { return prefixDistTags + account + "/" + id }

func functionTagsKey(account, name string) string { return prefixFuncTags + account + "/" + name }

func storeTagsKey(account, id string) string { return prefixStoreTags + account + "/" + id }

// aliasKey is case-insensitive: DNS names are.
func aliasKey(alias string) string { return prefixAlias + strings.ToLower(alias) }

func invalPrefix(account, dist string) string      { return prefixInval + account + "/" + dist + "/" }
func invalKey(account, dist, id string) string     { return invalPrefix(account, dist) + id }
func invalRefPrefix(account, dist string) string   { return prefixInvalRef + account + "/" + dist + "/" }
func invalRefKey(account, dist, ref string) string { return invalRefPrefix(account, dist) + ref }

func countKey(account, kind string) string {
	return prefixCount + account + "/" + kind
}

// splitAccount cuts "<account>/<rest>" after a prefix has been removed.
func splitAccount(s string) (account, rest string, ok bool) {
	return strings.Cut(s, "/")
}

// storeKeyParts is a parsed key under prefixStore.
type storeKeyParts struct {
	account, id string
	kind        string // suffixMeta, suffixStats or infixItem
	item        string // the item key when kind is infixItem
}

func parseStoreKey(key string) (storeKeyParts, bool) {
	rest, ok := strings.CutPrefix(key, prefixStore)
	if !ok {
		return storeKeyParts{}, false
	}
	account, rest, ok := splitAccount(rest)
	if !ok {
		return storeKeyParts{}, false
	}
	id, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return storeKeyParts{}, false
	}
	p := storeKeyParts{account: account, id: id}
	switch {
	case rest == suffixMeta, rest == suffixStats:
		p.kind = rest
	case strings.HasPrefix(rest, infixItem):
		p.kind, p.item = infixItem, rest[len(infixItem):]
	default:
		return storeKeyParts{}, false
	}
	return p, true
}
