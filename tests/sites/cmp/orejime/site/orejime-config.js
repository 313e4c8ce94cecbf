// Orejime's configuration: purposes named after the shop's consent categories.
window.orejimeConfig = {
  privacyPolicyUrl: '/privacy.html',
  purposes: [
    { id: 'necessary', title: 'Strictly necessary', isMandatory: true, cookies: [] },
    { id: 'analytics', title: 'Analytics', description: 'Segment analytics destinations.', cookies: [] },
    { id: 'marketing', title: 'Marketing', description: 'Advertising destinations.', cookies: [] }
  ]
};
