// Violation after the objection only: an opt-out (US) shop on consent-tools' opt-out model. Before any
// decision Segment loads with every destination, device-mode bundles included, and writes its
// identifiers: allowed in the opt-out model. When the visitor objects, consent-tools' blocking
// middleware drops events for the denied destinations, but every later page load still fetches the
// denied destinations' device-mode bundles, whose own code can collect without Segment.
(function () {
  var listeners = [];
  function granted() {
    // opt-out: everything is on until the visitor has answered
    if (!CookieConsent.validConsent()) { return { necessary: true, analytics: true, marketing: true }; }
    return shopKit.categories();
  }

  shopKit.runBanner({
    onConsent: function () { shopKit.firePixels(granted()); },
    onChange: function () { listeners.forEach(function (f) { f(granted()); }); }
  });

  SegmentConsentTools.createWrapper({
    shouldLoadSegment: function (ctx) { return ctx.load({ consentModel: 'opt-out' }); },
    getCategories: granted,
    registerOnConsentChanged: function (setCategories) { listeners.push(setCategories); }
  })(window.analytics);

  window.analytics.load('DEMOWRITEKEY');
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
