package runtime

import (
	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/event"
)

// connectionHelpers are the methods of a connection function's argument.
// They read the running invocation, so one frozen set serves every run (a
// function object made per run could carry properties from one run to the
// next only if shared; these are sealed with the realm).
type connectionHelpers struct {
	allow, deny, logCustomData goja.Value
}

func (r *realm) installConnectionHelpers() {
	r.conn = connectionHelpers{
		allow: r.vm.ToValue(func(goja.FunctionCall) goja.Value {
			if r.inv != nil {
				r.inv.allowed = true
			}
			return goja.Undefined()
		}),
		deny: r.vm.ToValue(func(goja.FunctionCall) goja.Value {
			if r.inv != nil {
				r.inv.denied = true
			}
			return goja.Undefined()
		}),
		logCustomData: r.vm.ToValue(r.logCustomData),
	}
}

// invokeConnection runs connectionHandler(connection): the documented event
// members plus allow(), deny() and logCustomData(). Its return value is not
// read: the decision is what it called.
func (r *realm) invokeConnection(c *event.Connection) error {
	vm := r.vm
	o := vm.NewObject()
	_ = o.Set("allow", r.conn.allow)
	_ = o.Set("deny", r.conn.deny)
	_ = o.Set("logCustomData", r.conn.logCustomData)
	if cc := c.ClientCertificate; cc != nil {
		leaf := cc.Certificates.Leaf
		validity := vm.NewObject()
		_ = validity.Set("notBefore", leaf.Validity.NotBefore)
		_ = validity.Set("notAfter", leaf.Validity.NotAfter)
		l := vm.NewObject()
		_ = l.Set("serialNumber", leaf.SerialNumber)
		_ = l.Set("issuer", leaf.Issuer)
		_ = l.Set("subject", leaf.Subject)
		_ = l.Set("validity", validity)
		_ = l.Set("sha256Fingerprint", leaf.SHA256Fingerprint)
		certs := vm.NewObject()
		_ = certs.Set("leaf", l)
		cert := vm.NewObject()
		_ = cert.Set("certificates", certs)
		_ = o.Set("clientCertificate", cert)
	}
	_ = o.Set("clientIp", c.ClientIP)
	_ = o.Set("endpoint", c.Endpoint)
	_ = o.Set("distributionId", c.DistributionID)
	_ = o.Set("connectionId", c.ConnectionID)
	_, err := r.call(o)
	return err
}
