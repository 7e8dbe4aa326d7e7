/**
 * What every command of the {@code pqlscore} tool shares (the tool itself is
 * {@link io.pqlscore.PqlScore}; each command lives beside what it runs): one duration grammar
 * ({@link io.pqlscore.cli.ModelDuration}, the model file's), defaults shown as users write them,
 * the project version, usage errors as one line and exit code 2, failures as exit code 1.
 *
 * <p>It depends on nothing of the project but {@link io.pqlscore.time.Durations}, so that a
 * command in any package can use it without a package cycle.
 */
package io.pqlscore.cli;
