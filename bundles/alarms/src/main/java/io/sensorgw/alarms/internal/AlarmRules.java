package io.sensorgw.alarms.internal;

import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One alarm rule configuration (factory PID {@code io.sensorgw.alarm}), handed to the alarms engine
 * as it is created, edited (applied live, {@link Modified}) and deleted. It checks nothing itself:
 * the engine refuses a bad configuration with a reason, so this component always activates.
 */
@Component(
    service = {},
    configurationPid = AlarmRules.FACTORY_PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = AlarmRuleConfig.class, factory = true)
public class AlarmRules {
  static final String FACTORY_PID = "io.sensorgw.alarm";

  private final AlarmsComponent alarms;
  private final String pid;

  @Activate
  public AlarmRules(@Reference AlarmsComponent alarms, Map<String, Object> properties) {
    this.alarms = alarms;
    this.pid = String.valueOf(properties.get("service.pid"));
    alarms.putRule(pid, properties);
  }

  @Modified
  void modified(Map<String, Object> properties) {
    alarms.putRule(pid, properties);
  }

  @Deactivate
  void deactivate() {
    alarms.removeRule(pid);
  }
}
