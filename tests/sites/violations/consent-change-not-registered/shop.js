// Violation: consent-tools gates and stamps Segment as in the demo, but the shop never passes
// registerOnConsentChanged and does not reload on a change of mind. Withdrawing consent is never
// signalled to Segment ("Segment Consent Preference Updated" is not sent), and the device-mode
// destinations loaded under the old choice keep receiving events on the open page, such as the
// "Cookie Settings Saved" event the shop tracks when the visitor saves the banner.
(function () {
  shopKit.runBanner({
    onConsent: function () { shopKit.firePixels(shopKit.categories()); },
    onChange: function () { window.analytics.track('Cookie Settings Saved'); }
  });

  SegmentConsentTools.createWrapper({
    shouldLoadSegment: async function (ctx) {
      await SegmentConsentTools.resolveWhen(function () { return CookieConsent.validConsent(); }, 200);
      return ctx.load({ consentModel: 'opt-in' });
    },
    getCategories: shopKit.categories
  })(window.analytics);

  window.analytics.load('DEMOWRITEKEY');
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
