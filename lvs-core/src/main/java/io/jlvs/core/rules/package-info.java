/**
 * The rules format: the {@code ipvsadm-save} / {@code ipvsadm -R} line format, read by {@link
 * io.jlvs.core.rules.RulesParser} and written by {@link io.jlvs.core.rules.RulesWriter}, so an LVS user brings the
 * rules they already have. Defaults and validation are ipvsadm's (an edit replaces everything it does not give).
 * Options ipvsadm lacks are {@code --long-options} on the same lines ({@link io.jlvs.core.config.RuleExtension}).
 * Every error names its line, its token and what is wrong; loading is all-or-nothing.
 */
package io.jlvs.core.rules;
