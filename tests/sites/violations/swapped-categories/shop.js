// Violation: the demo's wiring, except that getCategories maps the CMP's categories onto Segment's
// the wrong way round (analytics <-> marketing). Every event is stamped with the opposite of the
// visitor's choice, and consent-tools loads the device-mode destinations of the category the visitor
// refused. The pixels and the destination middleware read the CMP directly, so they stay correct.
(function () {
  var listeners = [];
  var SEGMENT_ID_FOR = { necessary: 'necessary', analytics: 'marketing', marketing: 'analytics' };

  function segmentCategories() {
    var granted = shopKit.categories();
    var stamped = {};
    Object.keys(granted).forEach(function (c) { stamped[SEGMENT_ID_FOR[c]] = granted[c]; });
    return stamped;
  }

  shopKit.reloadAfterConsentChange();
  shopKit.dropWithdrawnDestinations();
  shopKit.runBanner({
    onConsent: function () { shopKit.firePixels(shopKit.categories()); },
    onChange: function () {
      var stamped = segmentCategories();
      listeners.forEach(function (f) { f(stamped); });
      shopKit.reloadSoon();
    }
  });

  SegmentConsentTools.createWrapper({
    shouldLoadSegment: async function (ctx) {
      await SegmentConsentTools.resolveWhen(function () { return CookieConsent.validConsent(); }, 200);
      return ctx.load({ consentModel: 'opt-in' });
    },
    getCategories: segmentCategories,
    registerOnConsentChanged: function (setCategories) { listeners.push(setCategories); }
  })(window.analytics);

  window.analytics.load('DEMOWRITEKEY');
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
