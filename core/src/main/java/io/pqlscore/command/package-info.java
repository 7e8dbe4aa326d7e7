/**
 * What every command of the {@code pqlscore} tool shares (the tool itself is
 * {@link io.pqlscore.cli.PqlScore}; each command lives beside what it runs): one duration grammar
 * ({@link io.pqlscore.command.ModelDuration}, the model file's), defaults shown as users write them,
 * the project version, usage errors as one line and exit code 2, failures as exit code 1.
 *
 * <p>It depends on nothing of the project but {@link io.pqlscore.time.Durations}, so that a
 * command in any package, and the job's options, can use it without a package cycle.
 */
package io.pqlscore.command;
