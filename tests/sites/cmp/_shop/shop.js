// The fixture shops' Segment wiring, shared by every real-CMP site under tests/sites/cmp/: the demo
// shop's wiring (scenarios/demo/site/shop.js) with the CMP behind a small bridge each site defines:
//   window.probeShop({
//     decided: () => bool,                 // the visitor has answered the banner
//     categories: () => ({id: bool}),      // Segment consent category ids -> granted
//     onSaved: fn => void                  // call fn after the CMP saved a choice (changed or not)
//   });
// consent-tools gates and stamps Segment (opt-in); a change of mind after the first answer is
// signalled to consent-tools and the page reloads once the consent-change event was delivered.
window.probeShop = function (cmp) {
  var listeners = [];
  var answered = cmp.decided();

  // Segment never unloads device-mode code on withdrawal; Segment's docs advise a reload.
  window.analytics.register({
    name: 'Reload after consent change', type: 'after', version: '1.0.0',
    isLoaded: function () { return true; }, load: function () { return Promise.resolve(); },
    track: function (ctx) {
      if (ctx.event.event === 'Segment Consent Preference Updated') { location.reload(); }
      return ctx;
    }
  });

  // Opt-in consent-tools keeps loaded destinations; drop a withdrawn category's destination here.
  var DESTINATION_CATEGORY = { 'Actions Amplitude': 'analytics', 'Pinterest Conversions API': 'marketing' };
  window.analytics.addDestinationMiddleware('*', function (m) {
    var category = DESTINATION_CATEGORY[m.integration];
    m.next(category && !cmp.categories()[category] ? null : m.payload);
  });

  var last = JSON.stringify(cmp.categories());
  cmp.onSaved(function () {
    var granted = cmp.categories();
    var changed = JSON.stringify(granted) !== last;
    last = JSON.stringify(granted);
    if (!answered) { answered = true; return; }  // the first answer loads Segment through the gate
    if (!changed) { return; }  // some CMPs report every close of their dialog, changed or not
    listeners.forEach(function (f) { f(granted); });
    if (!window.analytics.initialized) { location.reload(); return; }
    setTimeout(function () { location.reload(); }, 4000);  // safety net if the event is dropped
  });

  SegmentConsentTools.createWrapper({
    shouldLoadSegment: async function (ctx) {
      await SegmentConsentTools.resolveWhen(cmp.decided, 200);
      return ctx.load({ consentModel: 'opt-in' });
    },
    getCategories: cmp.categories,
    registerOnConsentChanged: function (setCategories) { listeners.push(setCategories); }
  })(window.analytics);

  window.analytics.load('DEMOWRITEKEY');
  window.analytics.page();

  var button = document.getElementById('add-to-cart');
  if (button) {
    button.addEventListener('click', function () {
      window.analytics.track('Product Added', { sku: button.dataset.sku, price: 12, currency: 'EUR' });
    });
  }
};
