package store

import (
	"slices"
	"strings"

	"github.com/edgefn/edgefn"
)

// checkDistribution validates what Create and Update take before any read:
// everything that does not depend on other resources.
func (s *Store) checkDistribution(account string, cfg *edgefn.DistributionConfig) error {
	invalid := func(format string, args ...any) error {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceDistribution, format, args...)
	}
	if cfg.CallerReference == "" {
		return invalid("CallerReference is required.")
	}
	if err := checkComment(edgefn.ResourceDistribution, cfg.Comment); err != nil {
		return err
	}
	if o := cfg.DefaultRootObject; strings.HasPrefix(o, "/") || len(o) > 255 || strings.ContainsFunc(o, badObjectRune) {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceDefaultRootObject,
			"The DefaultRootObject %q is not valid: at most 255 printable characters, not starting with '/'.", o)
	}
	if err := checkErrorResponses(cfg.CustomErrorResponses); err != nil {
		return err
	}
	if len(cfg.Aliases) > s.limits.AliasesPerDistribution {
		return invalid("A distribution can have at most %d aliases.", s.limits.AliasesPerDistribution)
	}
	seen := map[string]bool{}
	for _, a := range cfg.Aliases {
		if err := s.checkAlias(a); err != nil {
			return err
		}
		if seen[strings.ToLower(a)] {
			return invalid("The alias %q is listed twice.", a)
		}
		seen[strings.ToLower(a)] = true
	}
	if l := cfg.Logging; l != nil {
		switch {
		case !isBucket(l.Bucket):
			return invalid("The parameter Logging Bucket does not refer to a valid S3 bucket.")
		case !edgefn.ValidLogPrefix(l.Prefix):
			return invalid("The Logging Prefix %q must not start with '/' and must have no empty, '.' or '..' segments, no control characters, segments of at most 255 bytes and at most %d bytes in all.",
				l.Prefix, edgefn.MaxLogPrefix)
		}
	}
	if err := s.checkOrigins(cfg.Origins, invalid); err != nil {
		return err
	}
	if len(cfg.CacheBehaviors)+1 > s.limits.BehaviorsPerDistribution {
		return invalid("A distribution can have at most %d cache behaviors.", s.limits.BehaviorsPerDistribution)
	}
	for i, b := range behaviorsOf(cfg) {
		if i > 0 && b.PathPattern == "" {
			return invalid("CacheBehavior %d has no PathPattern.", i)
		}
		if !hasOrigin(cfg.Origins, b.TargetOriginID) {
			return edgefn.Errorf(edgefn.ErrNotFound, edgefn.ResourceOrigin,
				"One or more of your origins or origin groups do not exist: %q.", b.TargetOriginID)
		}
		if err := checkAssociations(account, b.FunctionAssociations); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) checkOrigins(origins []edgefn.Origin, invalid func(string, ...any) error) error {
	switch {
	case len(origins) == 0:
		return invalid("A distribution needs at least one origin.")
	case len(origins) > s.limits.OriginsPerDistribution:
		return invalid("A distribution can have at most %d origins.", s.limits.OriginsPerDistribution)
	}
	for i, o := range origins {
		switch {
		case o.ID == "":
			return invalid("Origin %d has no Id.", i)
		case hasOrigin(origins[:i], o.ID):
			return invalid("The origin id %q is used twice.", o.ID)
		case o.DomainName == "":
			return invalid("The origin %q has no DomainName.", o.ID)
		case o.Custom == nil && !isBucket(o.DomainName):
			return invalid("The parameter Origin DomainName does not refer to a valid S3 bucket.")
		case !edgefn.ValidHostname(o.DomainName):
			return invalid("The DomainName %q of origin %q is not a valid domain name.", o.DomainName, o.ID)
		case !edgefn.ValidOriginPath(o.OriginPath):
			return invalid("The OriginPath %q of origin %q must start with '/', not end with '/', have at most %d characters and no '.' or '..' segments or control characters.",
				o.OriginPath, o.ID, edgefn.MaxOriginPath)
		case o.ConnectionAttempts < 0 || o.ConnectionAttempts > 3:
			return invalid("The ConnectionAttempts of origin %q must be from 1 to 3.", o.ID)
		case o.ConnectionTimeout < 0 || o.ConnectionTimeout > 10:
			return invalid("The ConnectionTimeout of origin %q must be from 1 to 10 seconds.", o.ID)
		case len(o.CustomHeaders) > s.limits.OriginCustomHeaders:
			return invalid("The origin %q has more than %d custom headers.", o.ID, s.limits.OriginCustomHeaders)
		}
		for _, h := range o.CustomHeaders {
			if h.Name == "" || strings.ContainsAny(h.Name, " \t\r\n:") || strings.ContainsAny(h.Value, "\r\n") {
				return invalid("The custom header %q of origin %q is not valid.", h.Name, o.ID)
			}
		}
		if c := o.Custom; c != nil {
			switch {
			case c.HTTPPort < 1 || c.HTTPPort > 65535 || c.HTTPSPort < 1 || c.HTTPSPort > 65535:
				return invalid("The ports of origin %q must be from 1 to 65535.", o.ID)
			case c.ProtocolPolicy != edgefn.OriginHTTPOnly && c.ProtocolPolicy != edgefn.OriginHTTPSOnly && c.ProtocolPolicy != edgefn.OriginMatchViewer:
				return invalid("The OriginProtocolPolicy %q of origin %q is not valid.", c.ProtocolPolicy, o.ID)
			case c.ReadTimeout < 0 || c.ReadTimeout > 120 || c.KeepaliveTimeout < 0 || c.KeepaliveTimeout > 120:
				return invalid("The timeouts of origin %q must be from 1 to 120 seconds.", o.ID)
			}
		}
	}
	return nil
}

func isBucket(domain string) bool {
	_, ok := edgefn.S3Bucket(domain)
	return ok
}

func hasOrigin(origins []edgefn.Origin, id string) bool {
	for _, o := range origins {
		if o.ID == id {
			return true
		}
	}
	return false
}

// checkAssociations applies CloudFront's rules to one behavior's function
// associations: viewer events only, one function per event type, and ARNs
// of this account's functions (whether they are LIVE is checked in link).
func checkAssociations(account string, as []edgefn.FunctionAssociation) error {
	bad := func(format string, args ...any) error {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceFunctionAssociation, format, args...)
	}
	for i, a := range as {
		switch {
		case a.EventType != "viewer-request" && a.EventType != "viewer-response":
			return bad("The event type %q cannot run a CloudFront function: use viewer-request or viewer-response.", a.EventType)
		case hasEvent(as[:i], a.EventType):
			return edgefn.Errorf(edgefn.ErrLimitExceeded, edgefn.ResourceFunctionAssociation,
				"A cache behavior can have only one function for the %s event.", a.EventType)
		}
		if _, ok := parseFunctionARN(account, a.FunctionARN); !ok {
			return bad("The function ARN %q is not a function of this account.", a.FunctionARN)
		}
	}
	return nil
}

func hasEvent(as []edgefn.FunctionAssociation, eventType string) bool {
	for _, a := range as {
		if a.EventType == eventType {
			return true
		}
	}
	return false
}

// badObjectRune is a character no object name holds: controls and spaces.
func badObjectRune(r rune) bool { return r <= ' ' || r == 0x7f }

// checkErrorResponses applies CloudFront's rules to CustomErrorResponses:
// codes it knows, one entry per code, a page path with a response code
// and the other way round.
func checkErrorResponses(rs []edgefn.CustomErrorResponse) error {
	invalid := func(format string, args ...any) error {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceDistribution, format, args...)
	}
	seen := map[int]bool{}
	for _, r := range rs {
		switch {
		case !slices.Contains(edgefn.ErrorCodes, r.ErrorCode):
			return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceErrorCode,
				"The ErrorCode %d is not valid: use one of %v.", r.ErrorCode, edgefn.ErrorCodes)
		case r.ResponseCode != 0 && !slices.Contains(edgefn.ResponseCodes, r.ResponseCode):
			return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceResponseCode,
				"The ResponseCode %d is not valid: use one of %v.", r.ResponseCode, edgefn.ResponseCodes)
		case seen[r.ErrorCode]:
			return invalid("The ErrorCode %d has more than one CustomErrorResponse.", r.ErrorCode)
		case (r.ResponsePagePath == "") != (r.ResponseCode == 0):
			return invalid("The CustomErrorResponse of %d needs both a ResponsePagePath and a ResponseCode, or neither.", r.ErrorCode)
		case r.ResponsePagePath != "" && !strings.HasPrefix(r.ResponsePagePath, "/"):
			return invalid("The ResponsePagePath %q must start with '/'.", r.ResponsePagePath)
		case r.ErrorCachingMinTTL != nil && *r.ErrorCachingMinTTL < 0:
			return invalid("The ErrorCachingMinTTL of %d must not be negative.", r.ErrorCode)
		}
		seen[r.ErrorCode] = true
	}
	return nil
}
