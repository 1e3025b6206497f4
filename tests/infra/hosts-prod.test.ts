import { describeHosts } from "./hosts-assertions";

describeHosts("prod");
