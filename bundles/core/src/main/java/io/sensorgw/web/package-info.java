/**
 * Checks shared by the bundles that guard web requests (access control, the Web Console login): the
 * same-origin check against CSRF, and the throttle of bad credentials per client address.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.sensorgw.web;
