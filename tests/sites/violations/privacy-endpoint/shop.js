// The demo's wiring plus a call to the shop's privacy endpoint (/api/privacy, whose backend files a
// Segment deletion/suppression regulation) when the visitor withdraws analytics. Withdrawing only
// marketing does not call it: that case violates revoke-no-deletion, withdrawing analytics complies.
(function () {
  var listeners = [];

  shopKit.reloadAfterConsentChange();
  shopKit.dropWithdrawnDestinations();
  shopKit.runBanner({
    onConsent: function () { shopKit.firePixels(shopKit.categories()); },
    onChange: function () {
      var granted = shopKit.categories();
      if (!granted.analytics) {
        var user = window.analytics.user && window.analytics.user();
        fetch('/api/privacy', {
          method: 'POST', keepalive: true, headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ regulationType: 'SUPPRESS_WITH_DELETE', anonymousId: user ? user.anonymousId() : null })
        });
      }
      listeners.forEach(function (f) { f(granted); });
      shopKit.reloadSoon();
    }
  });

  SegmentConsentTools.createWrapper({
    shouldLoadSegment: async function (ctx) {
      await SegmentConsentTools.resolveWhen(function () { return CookieConsent.validConsent(); }, 200);
      return ctx.load({ consentModel: 'opt-in' });
    },
    getCategories: shopKit.categories,
    registerOnConsentChanged: function (setCategories) { listeners.push(setCategories); }
  })(window.analytics);

  window.analytics.load('DEMOWRITEKEY');
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
